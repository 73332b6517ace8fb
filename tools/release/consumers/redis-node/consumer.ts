// Type-checked, never run: the published .d.ts files as a TypeScript consumer sees them.
import { type ApiKeyCacheBackend, buildApiKeyCacheBackend } from "@apikey/core";
import { NodeRedisApiKeyCacheBackend, nodeRedisDriver } from "@apikey/redis-node";
import { createClient } from "redis";

export const fromDriver: ApiKeyCacheBackend = buildApiKeyCacheBackend({
  backend: "redis",
  redisUrl: "redis://127.0.0.1:6379",
  redis: nodeRedisDriver,
});
const client = createClient({ url: "redis://127.0.0.1:6379", disableOfflineQueue: true });
export const fromClient: ApiKeyCacheBackend = new NodeRedisApiKeyCacheBackend(client, {
  keyPrefix: "apikey:",
});
// @ts-expect-error the TTL is a number of seconds (proves the types are not `any`)
export const wrongTtl: Promise<void> = fromClient.set("key", { apiKey: "a", active: true }, "60");
