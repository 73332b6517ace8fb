import { type ApiKeyCacheLogger, silentLogger } from "@apikey/core";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import type { RedisClientType } from "redis";
import { beforeAll, describe, expect, it } from "vitest";
import { NodeRedisApiKeyCacheBackend } from "../src/index.js";
import { connectedClient, randomPrefix } from "./test-clients.js";

const redis = useRedisServer();
let client: RedisClientType;

beforeAll(async () => {
  client = await connectedClient(redis.url);
});

function recordingLogger(): ApiKeyCacheLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warnings, warn: (message: string) => warnings.push(message) };
}

describe("prefix isolation", () => {
  for (const glob of ["a*", "b?[x]\\"]) {
    it(`clear() with prefix ${JSON.stringify(glob)} removes exactly its own keys`, async () => {
      const id = randomPrefix("").slice(1);
      const prefix = `${glob}${id}`;
      const backend = new NodeRedisApiKeyCacheBackend(client, {
        keyPrefix: prefix,
        logger: silentLogger,
      });
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          backend.set(`k${i}`, { apiKey: `k${i}`, active: true }, 60),
        ),
      );
      // What the unescaped pattern would also have matched, plus unrelated neighbours.
      const strangers =
        glob === "a*"
          ? [`aZ${id}k1`, `a${id}k1`, `a*x${id}k1`, `xa*${id}k1`]
          : [`bqx${id}k1`, `bzx${id}k1`, `b?[x]${id}k1`, `xb?[x]\\${id}k1`];
      for (const key of strangers) await client.set(key, "stranger", { PX: 60_000 });

      await backend.clear();
      for (let i = 0; i < 20; i++) expect(await client.exists(`${prefix}k${i}`)).toBe(0);
      for (const key of strangers) expect(await client.get(key)).toBe("stranger");
      await client.del(strangers);
      await backend.close();
    });
  }
});

describe("undecodable entries", () => {
  const planted: Array<[string, (key: string) => Promise<unknown>]> = [
    ["not JSON", (key) => redisCommand(redis.url, "SET", key, "{not json")],
    ["JSON of the wrong shape", (key) => redisCommand(redis.url, "SET", key, '{"apiKey":1}')],
    ["a hash", (key) => redisCommand(redis.url, "HSET", key, "apiKey", "x")],
  ];

  for (const [what, plant] of planted) {
    it(`${what} reads as a miss, is logged without the value, and is removed`, async () => {
      const logger = recordingLogger();
      const backend = new NodeRedisApiKeyCacheBackend(client, {
        keyPrefix: randomPrefix(),
        logger,
      });
      const key = `${backend.keyPrefix}bad`;
      await plant(key);
      expect(await backend.get("bad")).toBeUndefined();
      // Removed in the background, after the read has returned.
      await expect
        .poll(() => redisCommand(redis.url, "EXISTS", key), { timeout: 5000, interval: 20 })
        .toBe(0);
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toContain(key);
      expect(logger.warnings[0]).not.toContain("not json");
      await backend.close();
    });

    it(`${what}: a good value written in between is not removed`, async () => {
      // Unbatched: a batched read issued before the SET is sent after it (and sees the good
      // value), so the race below would not happen.
      const backend = new NodeRedisApiKeyCacheBackend(client, {
        keyPrefix: randomPrefix(),
        logger: silentLogger,
        batchReads: false,
      });
      await plant(`${backend.keyPrefix}bad`);
      // One connection, so Redis sees GET, then SET, then the compare-and-delete of the repair.
      const good = { apiKey: "good", active: true };
      const [read] = await Promise.all([backend.get("bad"), backend.set("bad", good, 60)]);
      expect(read).toBeUndefined();
      expect(await backend.get("bad")).toEqual(good);
      await backend.clear();
      await backend.close();
    });

    it(`${what} in the way of setIfAbsentGet() is replaced by the new value`, async () => {
      const backend = new NodeRedisApiKeyCacheBackend(client, {
        keyPrefix: randomPrefix(),
        logger: silentLogger,
      });
      await plant(`${backend.keyPrefix}bad`);
      const value = { apiKey: "new", active: true };
      expect(await backend.setIfAbsentGet("bad", value, 60)).toBeUndefined();
      expect(await backend.get("bad")).toEqual(value);
      await backend.clear();
      await backend.close();
    });
  }
});

describe("TTL on the server", () => {
  for (const ttlSeconds of [0.25, 0.3337, 1.5, 2.0004, 59.9999]) {
    it(`PTTL after set(…, ${ttlSeconds}) is within (0, ceil(ttl × 1000)]`, async () => {
      const backend = new NodeRedisApiKeyCacheBackend(client, {
        keyPrefix: randomPrefix(),
        logger: silentLogger,
      });
      const limit = Math.ceil(ttlSeconds * 1000);
      await backend.set("k", { apiKey: "k", active: true }, ttlSeconds);
      expect(await backend.setIfAbsent("n", { apiKey: "n", active: true }, ttlSeconds)).toBe(true);
      expect(
        await backend.setIfAbsentGet("g", { apiKey: "g", active: true }, ttlSeconds),
      ).toBeUndefined();
      for (const key of ["k", "n", "g"]) {
        const pttl = Number(await redisCommand(redis.url, "PTTL", `${backend.keyPrefix}${key}`));
        expect(pttl).toBeGreaterThan(0);
        expect(pttl).toBeLessThanOrEqual(limit);
      }
      await backend.clear();
      await backend.close();
    });
  }

  it("stores compact JSON, readable by any client", async () => {
    const backend = new NodeRedisApiKeyCacheBackend(client, {
      keyPrefix: randomPrefix(),
      logger: silentLogger,
    });
    await backend.set("k", { apiKey: "ak_1", active: true, scopes: ["read"] }, 60);
    expect(await redisCommand(redis.url, "GET", `${backend.keyPrefix}k`)).toBe(
      '{"apiKey":"ak_1","active":true,"scopes":["read"]}',
    );
    await backend.clear();
    await backend.close();
  });
});
