// ESM consumer of @apikey/core alone: a resolver over the memory backend.
import assert from "node:assert/strict";
import { createApiKeyResolver, hashApiKey, InMemoryApiKeyCacheBackend } from "@apikey/core";
import * as coreRedis from "@apikey/core/redis";

const keyHash = hashApiKey("sk_test_consumer");
let loads = 0;
const resolver = createApiKeyResolver({
  backend: new InMemoryApiKeyCacheBackend(),
  load: async (hash) => {
    loads += 1;
    return hash === keyHash ? { apiKey: "sk_test_con", active: true } : undefined;
  },
  ttlSeconds: 60,
});
assert.equal((await resolver.resolve("sk_test_consumer"))?.active, true);
assert.equal((await resolver.resolve("sk_test_consumer"))?.active, true);
assert.equal(loads, 1, "the second resolve is a cache hit");
assert.equal(await resolver.resolve("sk_test_unknown"), undefined);
assert.ok(Object.keys(coreRedis).length > 0, "@apikey/core/redis exports helpers");
console.log("esm ok: @apikey/core");
