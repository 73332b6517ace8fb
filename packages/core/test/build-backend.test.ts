/**
 * Backend selection from configuration. The Redis driver here is a plain object implementing
 * core's own `RedisDriver` seam, so the test sees what the factory passes through; nothing
 * talks to Redis (the Redis packages test their real drivers).
 */
import { describe, expect, it, type Mock, vi } from "vitest";
import {
  type ApiKeyCacheBackend,
  type ApiKeyCacheLogger,
  BACKEND_NAMES,
  buildApiKeyCacheBackend,
  InMemoryApiKeyCacheBackend,
  isApiKeyCacheError,
  parseBackendName,
  type RedisDriver,
  type RedisDriverBackendOptions,
} from "../src/index.js";

type LogMethod = (message: string, ...details: unknown[]) => void;

function spyLogger(): ApiKeyCacheLogger & { warn: Mock<LogMethod> } {
  return {
    debug: vi.fn<LogMethod>(),
    info: vi.fn<LogMethod>(),
    warn: vi.fn<LogMethod>(),
    error: vi.fn<LogMethod>(),
  };
}

/** A driver test double: records the options and returns a marker backend. */
function recordingDriver(): {
  driver: RedisDriver;
  calls: RedisDriverBackendOptions[];
  backend: ApiKeyCacheBackend;
} {
  const calls: RedisDriverBackendOptions[] = [];
  const backend = new InMemoryApiKeyCacheBackend();
  const driver: RedisDriver = {
    name: "recording",
    createBackend(options) {
      calls.push(options);
      return backend;
    },
    createInvalidationBus() {
      throw new Error("not used by these tests");
    },
  };
  return { driver, calls, backend };
}

function configError(action: () => unknown): Error & { code: string } {
  try {
    action();
  } catch (error) {
    if (isApiKeyCacheError(error, "E_CONFIG")) return error;
    throw error;
  }
  throw new Error("expected an E_CONFIG error");
}

describe("buildApiKeyCacheBackend", () => {
  it("builds the memory backend by default", () => {
    expect(buildApiKeyCacheBackend()).toBeInstanceOf(InMemoryApiKeyCacheBackend);
    expect(buildApiKeyCacheBackend({ backend: "" })).toBeInstanceOf(InMemoryApiKeyCacheBackend);
    expect(buildApiKeyCacheBackend({ backend: "   " })).toBeInstanceOf(InMemoryApiKeyCacheBackend);
  });

  it("passes maxEntries to the memory backend", () => {
    const backend = buildApiKeyCacheBackend({ maxEntries: 7 });
    expect(backend).toBeInstanceOf(InMemoryApiKeyCacheBackend);
    expect((backend as InMemoryApiKeyCacheBackend).maxEntries).toBe(7);
  });

  it.each(["memory", " Memory ", "MEMORY", "\tmemory\n"])(
    "accepts %j as memory (trimmed, case-insensitive)",
    (name) => {
      expect(buildApiKeyCacheBackend({ backend: name })).toBeInstanceOf(InMemoryApiKeyCacheBackend);
    },
  );

  it("parses names trimmed and case-insensitively", () => {
    expect(parseBackendName(" Redis ")).toBe("redis");
    expect(parseBackendName("TIERED")).toBe("tiered");
    expect(parseBackendName(undefined)).toBe("memory");
  });

  it.each([42, null, {}])(
    "rejects the non-string name %j with E_CONFIG, not a TypeError",
    (name) => {
      const error = configError(() =>
        buildApiKeyCacheBackend({ backend: name as unknown as string }),
      );
      for (const valid of BACKEND_NAMES) expect(error.message).toContain(valid);
    },
  );

  it.each(["memroy", "redis-cluster", "mem", "none"])(
    "rejects the unknown name %j with E_CONFIG listing the valid names",
    (name) => {
      const error = configError(() => buildApiKeyCacheBackend({ backend: name }));
      expect(error.message).toContain(name);
      for (const valid of BACKEND_NAMES) expect(error.message).toContain(valid);
    },
  );

  it.each(["redis", "tiered", " REDIS "])(
    "falls back to memory with a warning when %j has an empty Redis URL",
    (name) => {
      for (const redisUrl of [undefined, "", "   "]) {
        const logger = spyLogger();
        const backend = buildApiKeyCacheBackend({ backend: name, redisUrl, logger });
        expect(backend).toBeInstanceOf(InMemoryApiKeyCacheBackend);
        expect(logger.warn).toHaveBeenCalledTimes(1);
        const warning = String(logger.warn.mock.calls[0]?.[0]);
        expect(warning).toMatch(/redisUrl is empty.*falling back to the in-process/);
        expect(warning).toContain(`backend "${name.trim().toLowerCase()}"`);
        // Core reads no environment variable, so its words name options, not env vars.
        expect(warning).not.toMatch(/APIKEY_CACHE_BACKEND|REDIS_URL/);
      }
    },
  );

  it('throws E_CONFIG for an empty Redis URL with onMissingRedisUrl: "throw"', () => {
    const logger = spyLogger();
    for (const name of ["redis", "tiered"]) {
      const error = configError(() =>
        buildApiKeyCacheBackend({
          backend: name,
          redisUrl: "",
          onMissingRedisUrl: "throw",
          logger,
        }),
      );
      expect(error.message).toContain("redisUrl");
      expect(error.message).toContain(`backend "${name}"`);
      expect(error.message).not.toMatch(/APIKEY_CACHE_BACKEND|REDIS_URL/);
    }
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it("rejects redis without a driver with E_CONFIG naming both drivers", () => {
    const error = configError(() =>
      buildApiKeyCacheBackend({ backend: "redis", redisUrl: "redis://127.0.0.1:1" }),
    );
    expect(error.message).toContain("ioredisDriver");
    expect(error.message).toContain("nodeRedisDriver");
  });

  it("returns the driver's backend, passing url, keyPrefix, logger and timeout through", () => {
    const { driver, calls, backend } = recordingDriver();
    const logger = spyLogger();
    const built = buildApiKeyCacheBackend({
      backend: "redis",
      redisUrl: " redis://127.0.0.1:6390/2 ",
      redisKeyPrefix: "game:apikey:",
      redis: driver,
      logger,
      commandTimeoutMs: 250,
    });
    expect(built).toBe(backend);
    expect(calls).toEqual([
      { url: "redis://127.0.0.1:6390/2", keyPrefix: "game:apikey:", logger, commandTimeoutMs: 250 },
    ]);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it("passes the TLS settings and the sentinels' credentials through", () => {
    const { driver, calls } = recordingDriver();
    const tls = { ca: "CA", servername: "redis.internal" };
    buildApiKeyCacheBackend({
      backend: "redis",
      redisUrl: "redis+sentinel://127.0.0.1:26379/mymaster",
      redis: driver,
      redisTls: tls,
      redisSentinelPassword: "pw",
      redisSentinelUsername: "sentinel-user",
    });
    expect(calls[0]).toMatchObject({
      url: "redis+sentinel://127.0.0.1:26379/mymaster",
      tls,
      sentinelPassword: "pw",
      sentinelUsername: "sentinel-user",
    });
  });

  it('uses the default prefix "apikey:" when none is given', () => {
    const { driver, calls } = recordingDriver();
    buildApiKeyCacheBackend({
      backend: "redis",
      redisUrl: "redis://127.0.0.1:6390",
      redis: driver,
    });
    expect(calls[0]?.keyPrefix).toBe("apikey:");
    expect(calls[0]).not.toHaveProperty("commandTimeoutMs");
  });
});
