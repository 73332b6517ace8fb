/**
 * `getWithTtl()` (GET and PTTL together) with the Redis-specific cases the backend suite cannot
 * plant: the PTTL Redis reports, a key without expiry, undecodable entries and keys of another
 * type (handled exactly as by `get`), and a paused server (one deadline for the pair). Over
 * backends on a caller's client when the package builds them, else over the driver's own.
 */
import {
  type ApiKeyCacheBackend,
  isApiKeyCacheError,
  type RedisDriver,
  silentLogger,
} from "@apikey/core";
import { type RedisServerHandle, redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CallerClientBackend,
  type CallerClientBackendFactory,
  type CallerClientBackendOptions,
  closeCallerClientBackend,
} from "./caller-client-backend.js";
import { type RecordingLogger, recordingLogger } from "./recording-logger.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const VALUE = { apiKey: "pub_ttl", active: true };

/** A driver's own backend, in the shape of a caller-client one. */
function driverBackend(driver: RedisDriver): CallerClientBackendFactory {
  return (options) => ({ backend: driver.createBackend(options), closeClient: () => {} });
}

/** Register the `getWithTtl()` checks on `redis`, and on a server of their own they pause. */
export function describeRedisGetWithTtl(
  name: string,
  driver: RedisDriver,
  redis: RedisServerHandle,
  callerClientBackend: CallerClientBackendFactory | undefined,
): void {
  const build = callerClientBackend ?? driverBackend(driver);
  const over = callerClientBackend === undefined ? "a driver backend" : "a caller's client";
  const open: CallerClientBackend[] = [];
  const backendOn = (
    options: Partial<CallerClientBackendOptions> & Pick<CallerClientBackendOptions, "url">,
  ): ApiKeyCacheBackend & { getWithTtl: NonNullable<ApiKeyCacheBackend["getWithTtl"]> } => {
    const built = build({
      keyPrefix: redisTestPrefix("ttl"),
      logger: silentLogger,
      commandTimeoutMs: 2_000,
      ...options,
    });
    open.push(built);
    const { backend } = built;
    if (backend.getWithTtl === undefined) throw new Error(`${name}: the backend has no getWithTtl`);
    return backend as ReturnType<typeof backendOn>;
  };

  describe(`${name}: getWithTtl() over ${over}`, () => {
    afterEach(async () => {
      await Promise.allSettled(open.splice(0).map(closeCallerClientBackend));
    });
    it("returns get()'s value and the PTTL Redis reports, within (0, ttl]", async () => {
      const keyPrefix = redisTestPrefix("ttl");
      const backend = backendOn({ url: redis.url, keyPrefix });
      await backend.set("k", VALUE, 2.5);
      const entry = await backend.getWithTtl("k");
      expect(entry?.value).toEqual(await backend.get("k"));
      expect(entry?.ttlMs).toBeGreaterThan(0);
      expect(entry?.ttlMs).toBeLessThanOrEqual(2500);
      expect(Number(await redisCommand(redis.url, "PTTL", `${keyPrefix}k`))).toBeLessThanOrEqual(
        entry?.ttlMs ?? 0,
      );
      expect(await backend.getWithTtl("absent")).toBeUndefined();
    });

    it("a key written without expiry (another program) reports an infinite TTL", async () => {
      const keyPrefix = redisTestPrefix("ttl");
      const backend = backendOn({ url: redis.url, keyPrefix });
      await redisCommand(redis.url, "SET", `${keyPrefix}k`, JSON.stringify(VALUE));
      expect(await backend.getWithTtl("k")).toEqual({
        value: VALUE,
        ttlMs: Number.POSITIVE_INFINITY,
      });
      await redisCommand(redis.url, "DEL", `${keyPrefix}k`);
    });

    const planted: Array<[string, (key: string) => Promise<unknown>]> = [
      ["not JSON", (key) => redisCommand(redis.url, "SET", key, "{not json", "PX", 60_000)],
      ["a hash (WRONGTYPE)", (key) => redisCommand(redis.url, "HSET", key, "apiKey", "x")],
    ];
    for (const [what, plant] of planted) {
      it(`${what} reads as a miss, is logged and removed, like get()`, async () => {
        const logger: RecordingLogger = recordingLogger();
        const keyPrefix = redisTestPrefix("ttl");
        const backend = backendOn({ url: redis.url, keyPrefix, logger });
        const key = `${keyPrefix}bad`;
        await plant(key);
        expect(await backend.getWithTtl("bad")).toBeUndefined();
        // Removed in the background, after the read has returned.
        await expect
          .poll(() => redisCommand(redis.url, "EXISTS", key), { timeout: 5_000, interval: 20 })
          .toBe(0);
        await expect.poll(() => logger.at("warn").length, { timeout: 5_000 }).toBe(1);
        expect(logger.at("warn")[0]).toContain(key);
      });
    }
  });

  describe(`${name}: getWithTtl() over ${over} on a paused server`, () => {
    const paused = useRedisServer({ spawn: true });
    afterEach(async () => {
      paused.resume();
      await Promise.allSettled(open.splice(0).map(closeCallerClientBackend));
    });

    it("rejects E_BACKEND_UNAVAILABLE within one deadline (plus 1 s), then works after resume", async () => {
      const timeoutMs = 300;
      const backend = backendOn({ url: paused.url, commandTimeoutMs: timeoutMs });
      // The first call may wait for the client's first connection: retry until it is in.
      await expect
        .poll(
          () =>
            backend.set("k", VALUE, 60).then(
              () => true,
              () => false,
            ),
          {
            timeout: 5_000,
          },
        )
        .toBe(true);
      paused.pause();
      const started = performance.now();
      const error = await backend.getWithTtl("k").then(
        () => undefined,
        (caught: unknown) => caught,
      );
      const elapsedMs = performance.now() - started;
      paused.resume();
      expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE"), String(error)).toBe(true);
      expect(elapsedMs).toBeLessThan(timeoutMs + 1000);
      await expect
        .poll(() => backend.getWithTtl("k").catch(() => undefined), { timeout: 5_000 })
        .toMatchObject({ value: VALUE });
    });
  });
}
