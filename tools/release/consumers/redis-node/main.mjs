// ESM consumer of @apikey/core + @apikey/redis-node against the redis-server at REDIS_URL.
import assert from "node:assert/strict";
import { buildApiKeyCacheBackend, createApiKeyResolver, hashApiKey } from "@apikey/core";
import { nodeRedisDriver } from "@apikey/redis-node";

const backend = buildApiKeyCacheBackend({
  backend: "redis",
  redisUrl: process.env.REDIS_URL,
  redisKeyPrefix: "consumer-esm:",
  redis: nodeRedisDriver,
  onMissingRedisUrl: "throw",
  commandTimeoutMs: 10_000, // a loaded CI machine is slow; this checks packaging, not latency
});
const keyHash = hashApiKey("sk_test_consumer");
await backend.set(keyHash, { apiKey: "sk_test_con", active: true }, 60);
assert.equal((await backend.get(keyHash))?.apiKey, "sk_test_con");
await backend.delete(keyHash);
assert.equal(await backend.get(keyHash), undefined);

let loads = 0;
const resolver = createApiKeyResolver({
  backend,
  load: async () => {
    loads += 1;
    return { apiKey: "sk_test_con", active: true };
  },
  ttlSeconds: 60,
});
await resolver.resolve("sk_test_consumer");
await resolver.resolve("sk_test_consumer");
assert.equal(loads, 1, "the second resolve is served from Redis");
await backend.clear();
await backend.close();
console.log("esm ok: @apikey/redis-node");
