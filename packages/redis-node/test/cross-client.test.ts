import { type ApiKeyCacheBackend, silentLogger } from "@apikey/core";
import { IoredisApiKeyCacheBackend } from "@apikey/redis-ioredis";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { Redis } from "ioredis";
import type { RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeRedisApiKeyCacheBackend } from "../src/index.js";
import { connectedClient, randomPrefix } from "./test-clients.js";

const redis = useRedisServer();
let nodeClient: RedisClientType;
let ioClient: Redis;

beforeAll(async () => {
  nodeClient = await connectedClient(redis.url);
  ioClient = new Redis(redis.url);
  ioClient.on("error", () => {});
  await ioClient.ping();
});

afterAll(async () => {
  await ioClient?.quit();
});

type Pair = { writer: ApiKeyCacheBackend; reader: ApiKeyCacheBackend };

function pair(direction: "node-redis → ioredis" | "ioredis → node-redis"): Pair {
  const keyPrefix = randomPrefix("x");
  const viaNode = new NodeRedisApiKeyCacheBackend(nodeClient, { keyPrefix, logger: silentLogger });
  const viaIo = new IoredisApiKeyCacheBackend(ioClient, { keyPrefix, logger: silentLogger });
  return direction === "node-redis → ioredis"
    ? { writer: viaNode, reader: viaIo }
    : { writer: viaIo, reader: viaNode };
}

for (const direction of ["node-redis → ioredis", "ioredis → node-redis"] as const) {
  describe(`cross-client, ${direction}`, () => {
    it("an entry written by one is read, deleted and cleared through the other", async () => {
      const { writer, reader } = pair(direction);
      const value = { apiKey: "ak_cross", active: true, plan: { tier: "pro", limits: [1, 2] } };
      await writer.set("a", value, 60);
      await writer.set("b", value, 60);
      await writer.set("c", value, 60);
      expect(await reader.get("a")).toEqual(value);
      expect(await reader.setIfAbsent("a", { apiKey: "other", active: false }, 60)).toBe(false);
      expect(await reader.setIfAbsentGet?.("b", { apiKey: "other", active: false }, 60)).toEqual(
        value,
      );
      await reader.delete("a");
      expect(await writer.get("a")).toBeUndefined();
      await reader.clear();
      expect(await writer.get("b")).toBeUndefined();
      expect(await writer.get("c")).toBeUndefined();
      await writer.close();
      await reader.close();
    });
  });
}
