// Type-checked, never run: the published .d.ts files as a TypeScript consumer sees them.
import { type ApiKeyCacheBackend, buildApiKeyCacheBackend } from "@apikey/core";
import { IoredisApiKeyCacheBackend, ioredisDriver } from "@apikey/redis-ioredis";
import { Redis } from "ioredis";

export const fromDriver: ApiKeyCacheBackend = buildApiKeyCacheBackend({
  backend: "redis",
  redisUrl: "redis://127.0.0.1:6379",
  redis: ioredisDriver,
});
const client = new Redis("redis://127.0.0.1:6379", {
  lazyConnect: true,
  enableOfflineQueue: false,
});
client.on("error", () => {});
export const fromClient: ApiKeyCacheBackend = new IoredisApiKeyCacheBackend(client, {
  keyPrefix: "apikey:",
});
// @ts-expect-error the TTL is a number of seconds (proves the types are not `any`)
export const wrongTtl: Promise<void> = fromClient.set("key", { apiKey: "a", active: true }, "60");
