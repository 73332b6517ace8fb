/**
 * Real resolvers over a real in-memory cache: an active key, a revoked key (tombstone written
 * by `revoke`), and a resolver whose loader fails with text that must never reach a reply.
 */
import {
  type ApiKeyResolver,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
} from "@apikey/core";

/** The record the tests' "database" holds (declared to the plugin in plugin.test.ts). */
export interface TestKeyRecord extends CachedApiKey {
  tenant: string;
}

export const ACTIVE_KEY = "ak_activeAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
export const REVOKED_KEY = "ak_revokedCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC";
export const UNKNOWN_KEY = "ak_unknownDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD";
export const LOADER_FAILURE_TEXT = "db connection refused: password=hunter2";

/** A resolver knowing the active and the revoked key. */
export async function createTestResolver(): Promise<ApiKeyResolver<TestKeyRecord>> {
  const database = new Map<string, TestKeyRecord>([
    [hashApiKey(ACTIVE_KEY), { apiKey: "key_active", active: true, tenant: "acme" }],
    [hashApiKey(REVOKED_KEY), { apiKey: "key_revoked", active: false, tenant: "acme" }],
  ]);
  const resolver = createApiKeyResolver<TestKeyRecord>({
    backend: new InMemoryApiKeyCacheBackend(),
    load: async (keyHash) => database.get(keyHash),
  });
  await resolver.revoke(hashApiKey(REVOKED_KEY));
  return resolver;
}

/** A resolver whose loader always fails (the database is down). */
export function createFailingResolver(): ApiKeyResolver<TestKeyRecord> {
  return createApiKeyResolver<TestKeyRecord>({
    backend: new InMemoryApiKeyCacheBackend(),
    load: async () => {
      throw new Error(LOADER_FAILURE_TEXT);
    },
  });
}
