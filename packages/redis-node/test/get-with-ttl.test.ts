/**
 * `getWithTtl()` over node-redis: GET and PTTL together, with the Redis-specific cases the
 * shared conformance checks cannot plant: a key without expiry, undecodable entries and keys of
 * another type (handled exactly as by `get`), and a paused server (one deadline for the pair).
 */

import { type ApiKeyCacheLogger, isApiKeyCacheError, silentLogger } from "@apikey/core";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { createClient, type RedisClientType } from "redis";
import { beforeAll, describe, expect, it } from "vitest";
import { NodeRedisApiKeyCacheBackend } from "../src/index.js";
import { connectedClient, randomPrefix } from "./test-clients.js";

const VALUE = { apiKey: "pub_ttl", active: true };

function recordingLogger(): ApiKeyCacheLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warnings, warn: (message: string) => warnings.push(message) };
}

describe("NodeRedisApiKeyCacheBackend.getWithTtl()", () => {
  const redis = useRedisServer();
  let client: RedisClientType;
  beforeAll(async () => {
    client = await connectedClient(redis.url);
  });

  it("returns get()'s value and the PTTL Redis reports, within (0, ttl]", async () => {
    const backend = new NodeRedisApiKeyCacheBackend(client, { keyPrefix: randomPrefix() });
    await backend.set("k", VALUE, 2.5);
    const entry = await backend.getWithTtl("k");
    expect(entry?.value).toEqual(await backend.get("k"));
    expect(entry?.ttlMs).toBeGreaterThan(0);
    expect(entry?.ttlMs).toBeLessThanOrEqual(2500);
    expect(await redisCommand(redis.url, "PTTL", `${backend.keyPrefix}k`)).toBeLessThanOrEqual(
      entry?.ttlMs ?? 0,
    );
    expect(await backend.getWithTtl("absent")).toBeUndefined();
    await backend.close();
  });

  it("a key written without expiry (another program) reports an infinite TTL", async () => {
    const backend = new NodeRedisApiKeyCacheBackend(client, { keyPrefix: randomPrefix() });
    await redisCommand(redis.url, "SET", `${backend.keyPrefix}k`, JSON.stringify(VALUE));
    expect(await backend.getWithTtl("k")).toEqual({
      value: VALUE,
      ttlMs: Number.POSITIVE_INFINITY,
    });
    await backend.clear();
    await backend.close();
  });

  const planted: Array<[string, (key: string) => Promise<unknown>]> = [
    ["not JSON", (key) => redisCommand(redis.url, "SET", key, "{not json", "PX", "60000")],
    ["a hash (WRONGTYPE)", (key) => redisCommand(redis.url, "HSET", key, "apiKey", "x")],
  ];
  for (const [what, plant] of planted) {
    it(`${what} reads as a miss, is logged and removed, like get()`, async () => {
      const logger = recordingLogger();
      const backend = new NodeRedisApiKeyCacheBackend(client, {
        keyPrefix: randomPrefix(),
        logger,
      });
      const key = `${backend.keyPrefix}bad`;
      await plant(key);
      expect(await backend.getWithTtl("bad")).toBeUndefined();
      // Removed in the background, after the read has returned.
      await expect
        .poll(() => redisCommand(redis.url, "EXISTS", key), { timeout: 5000, interval: 20 })
        .toBe(0);
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toContain(key);
      await backend.close();
    });
  }
});

describe("NodeRedisApiKeyCacheBackend.getWithTtl() on a paused server", () => {
  const redis = useRedisServer({ spawn: true });

  it("rejects E_BACKEND_UNAVAILABLE within one deadline (plus 1 s), then works after resume", async () => {
    const timeoutMs = 300;
    const client: RedisClientType = createClient({ url: redis.url, disableOfflineQueue: true });
    client.on("error", () => {});
    await client.connect();
    const backend = new NodeRedisApiKeyCacheBackend(client, {
      keyPrefix: randomPrefix(),
      commandTimeoutMs: timeoutMs,
      logger: silentLogger,
    });
    try {
      await backend.set("k", VALUE, 60);
      redis.pause();
      const started = performance.now();
      const error = await backend.getWithTtl("k").then(
        () => undefined,
        (caught: unknown) => caught,
      );
      const elapsedMs = performance.now() - started;
      redis.resume();
      expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE"), String(error)).toBe(true);
      expect(elapsedMs).toBeLessThan(timeoutMs + 1000);
      await expect
        .poll(() => backend.getWithTtl("k").catch(() => undefined), { timeout: 5_000 })
        .toMatchObject({ value: VALUE });
    } finally {
      redis.resume();
      await backend.close();
      client.destroy();
    }
  });
});
