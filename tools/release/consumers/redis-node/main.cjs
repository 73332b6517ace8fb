// CommonJS consumer: require() of the ESM-only packages (Node 20.19+).
const assert = require("node:assert/strict");
const { buildApiKeyCacheBackend, hashApiKey } = require("@apikey/core");
const { nodeRedisDriver } = require("@apikey/redis-node");

async function main() {
  const backend = buildApiKeyCacheBackend({
    backend: "redis",
    redisUrl: process.env.REDIS_URL,
    redisKeyPrefix: "consumer-cjs:",
    redis: nodeRedisDriver,
    onMissingRedisUrl: "throw",
    commandTimeoutMs: 10_000, // a loaded CI machine is slow; this checks packaging, not latency
  });
  const keyHash = hashApiKey("sk_test_consumer");
  await backend.set(keyHash, { apiKey: "sk_test_con", active: true }, 60);
  assert.equal((await backend.get(keyHash))?.apiKey, "sk_test_con");
  await backend.clear();
  await backend.close();
  console.log("cjs ok: @apikey/redis-node");
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
