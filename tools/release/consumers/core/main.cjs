// CommonJS consumer: require() of the ESM-only package (Node 20.19+).
const assert = require("node:assert/strict");
const { hashApiKey, InMemoryApiKeyCacheBackend } = require("@apikey/core");

async function main() {
  const backend = new InMemoryApiKeyCacheBackend();
  const keyHash = hashApiKey("sk_test_consumer");
  await backend.set(keyHash, { apiKey: "sk_test_con", active: true }, 60);
  assert.equal((await backend.get(keyHash))?.apiKey, "sk_test_con");
  await backend.close();
  console.log("cjs ok: @apikey/core");
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
