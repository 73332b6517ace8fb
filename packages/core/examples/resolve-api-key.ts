import {
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
} from "@apikey/core";

// Your database, keyed by the sha256 hex of each key (never the plaintext).
const keysByHash = new Map<string, CachedApiKey>([
  [hashApiKey("sk_live_example"), { apiKey: "sk_live_exa", active: true, tenant: "acme" }],
]);

const resolver = createApiKeyResolver({
  backend: new InMemoryApiKeyCacheBackend(),
  load: async (keyHash) => keysByHash.get(keyHash), // undefined: no such key
  ttlSeconds: 60,
  negativeTtlSeconds: 30,
});

/** Authenticate one request; `undefined` means 401. */
export async function authenticate(header: string | undefined): Promise<CachedApiKey | undefined> {
  const record = await resolver.resolve(header ?? "");
  return record?.active === true ? record : undefined;
}

/** Revoke: update the database first, then write the tombstone. */
export async function revokeKey(plaintextKey: string): Promise<void> {
  const keyHash = hashApiKey(plaintextKey);
  const record = keysByHash.get(keyHash);
  if (record !== undefined) keysByHash.set(keyHash, { ...record, active: false });
  await resolver.revoke(keyHash);
}
