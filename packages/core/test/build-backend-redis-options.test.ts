/**
 * `buildApiKeyCacheBackend` hands the Redis engine options (`checkMaxmemoryPolicy`, the
 * not-found marker budget, `revocationReplicas`) to the driver as given, checks them first
 * (E_CONFIG naming the option, even where a missing URL would fall back to memory), and gives
 * `maxNegativeEntries` to the memory backend. The driver is a plain object implementing core's
 * `RedisDriver` seam that records its options; nothing here talks to Redis.
 */
import { describe, expect, it } from "vitest";
import {
  type BuildApiKeyCacheBackendOptions,
  buildApiKeyCacheBackend,
  InMemoryApiKeyCacheBackend,
  isApiKeyCacheError,
  type RedisDriver,
  type RedisDriverBackendOptions,
  silentLogger,
} from "../src/index.js";

function recordingDriver(): { driver: RedisDriver; calls: RedisDriverBackendOptions[] } {
  const calls: RedisDriverBackendOptions[] = [];
  const driver: RedisDriver = {
    name: "recording",
    createBackend(options) {
      calls.push(options);
      return new InMemoryApiKeyCacheBackend();
    },
    createInvalidationBus() {
      throw new Error("not used by these tests");
    },
  };
  return { driver, calls };
}

function configErrorMessage(options: BuildApiKeyCacheBackendOptions): string {
  try {
    buildApiKeyCacheBackend(options);
  } catch (error) {
    if (isApiKeyCacheError(error, "E_CONFIG")) return error.message;
    throw error;
  }
  throw new Error("expected an E_CONFIG error");
}

const redisUrl = "redis://127.0.0.1:6390";

describe("buildApiKeyCacheBackend Redis engine options", () => {
  it("passes checkMaxmemoryPolicy, the marker budget and revocationReplicas through", () => {
    const { driver, calls } = recordingDriver();
    buildApiKeyCacheBackend({
      backend: "redis",
      redisUrl,
      redis: driver,
      checkMaxmemoryPolicy: false,
      negativeMarkersPerSecond: 50,
      negativeTtlUnderPressureSeconds: 2,
      revocationReplicas: { replicas: 1, timeoutMs: 200 },
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      checkMaxmemoryPolicy: false,
      negativeMarkersPerSecond: 50,
      negativeTtlUnderPressureSeconds: 2,
      revocationReplicas: { replicas: 1, timeoutMs: 200 },
    });
  });

  it("leaves them out when not given, so the driver's defaults apply", () => {
    const { driver, calls } = recordingDriver();
    buildApiKeyCacheBackend({ backend: "redis", redisUrl, redis: driver });
    for (const name of [
      "checkMaxmemoryPolicy",
      "negativeMarkersPerSecond",
      "negativeTtlUnderPressureSeconds",
      "revocationReplicas",
    ]) {
      expect(calls[0]).not.toHaveProperty(name);
    }
  });

  it("accepts negativeMarkersPerSecond: Infinity (no cap)", () => {
    const { driver, calls } = recordingDriver();
    buildApiKeyCacheBackend({
      backend: "redis",
      redisUrl,
      redis: driver,
      negativeMarkersPerSecond: Number.POSITIVE_INFINITY,
    });
    expect(calls[0]?.negativeMarkersPerSecond).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([
    [
      { checkMaxmemoryPolicy: "yes" as unknown as boolean },
      /checkMaxmemoryPolicy must be true or false/,
    ],
    [
      { negativeMarkersPerSecond: -1 },
      /negativeMarkersPerSecond must be a whole number >= 0 or Infinity, got -1/,
    ],
    [{ negativeMarkersPerSecond: 1.5 }, /negativeMarkersPerSecond .* got 1\.5/],
    [
      { negativeTtlUnderPressureSeconds: -3 },
      /negativeTtlUnderPressureSeconds must be a finite number of seconds >= 0, got -3/,
    ],
    [{ negativeTtlUnderPressureSeconds: Number.NaN }, /negativeTtlUnderPressureSeconds .* got NaN/],
    [
      { revocationReplicas: 1 as unknown as { replicas: number; timeoutMs: number } },
      /revocationReplicas must be an object \{ replicas, timeoutMs \}, got number/,
    ],
    [
      { revocationReplicas: { replicas: 0, timeoutMs: 100 } },
      /revocationReplicas\.replicas must be an integer >= 1, got 0/,
    ],
    [
      { revocationReplicas: { replicas: 1, timeoutMs: 0 } },
      /revocationReplicas\.timeoutMs must be an integer number of milliseconds >= 1, got 0/,
    ],
    [
      { revocationReplicas: { replicas: 1, timeoutMs: 1000 } },
      /revocationReplicas\.timeoutMs \(1000\) must be below commandTimeoutMs \(1000\)/,
    ],
    [
      { revocationReplicas: { replicas: 1, timeoutMs: 400 }, commandTimeoutMs: 300 },
      /timeoutMs \(400\) must be below commandTimeoutMs \(300\)/,
    ],
  ])("rejects %j with E_CONFIG naming the option and why", (bad, message) => {
    const { driver, calls } = recordingDriver();
    const text = configErrorMessage({ backend: "tiered", redisUrl, redis: driver, ...bad });
    expect(text).toMatch(/^buildApiKeyCacheBackend: /);
    expect(text).toMatch(message);
    expect(calls).toHaveLength(0);
  });

  it("checks them even when an empty redisUrl would fall back to memory", () => {
    const text = configErrorMessage({
      backend: "redis",
      redisUrl: "",
      logger: silentLogger,
      revocationReplicas: { replicas: 2, timeoutMs: 5000 },
    });
    expect(text).toMatch(/revocationReplicas\.timeoutMs \(5000\) must be below commandTimeoutMs/);
  });

  it("gives maxNegativeEntries to the memory backend, and checks it", () => {
    const backend = buildApiKeyCacheBackend({ maxEntries: 8, maxNegativeEntries: 0 });
    expect(backend).toBeInstanceOf(InMemoryApiKeyCacheBackend);
    expect((backend as InMemoryApiKeyCacheBackend).maxNegativeEntries).toBe(0);
    expect(configErrorMessage({ maxNegativeEntries: -1 })).toMatch(/maxNegativeEntries/);
  });
});
