/**
 * Real resolvers over a real in-memory cache for the tests: an active key, a key disabled in
 * the "database", a revoked key (tombstone written by `revoke`), and a resolver whose loader
 * fails with a message that must never reach a reply.
 */
import {
  type ApiKeyCacheLogger,
  type ApiKeyResolver,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
} from "@apikey/core";

/** The record the tests' "database" holds. */
export interface TestKeyRecord extends CachedApiKey {
  tenant: string;
}

export const ACTIVE_KEY = "ak_activeAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
export const DISABLED_KEY = "ak_disabledBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
export const REVOKED_KEY = "ak_revokedCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC";
export const UNKNOWN_KEY = "ak_unknownDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD";
/** Text of the failing loader's error: it must never appear in a reply. */
export const LOADER_FAILURE_TEXT = "db connection refused: password=hunter2";

/** A resolver knowing the three keys; the revoked one is revoked before it is returned. */
export async function createTestResolver(): Promise<ApiKeyResolver<TestKeyRecord>> {
  const database = new Map<string, TestKeyRecord>([
    [hashApiKey(ACTIVE_KEY), { apiKey: "key_active", active: true, tenant: "acme" }],
    [hashApiKey(DISABLED_KEY), { apiKey: "key_disabled", active: false, tenant: "acme" }],
    [hashApiKey(REVOKED_KEY), { apiKey: "key_revoked", active: true, tenant: "acme" }],
  ]);
  const resolver = createApiKeyResolver<TestKeyRecord>({
    backend: new InMemoryApiKeyCacheBackend(),
    load: async (keyHash) => database.get(keyHash),
  });
  // Revoke as a service would: database first, then the tombstone.
  const revokedHash = hashApiKey(REVOKED_KEY);
  database.set(revokedHash, { apiKey: "key_revoked", active: false, tenant: "acme" });
  await resolver.revoke(revokedHash);
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

/** A logger that keeps every call, to check what was reported and that no key leaked. */
export function createRecordingLogger(): ApiKeyCacheLogger & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  const record =
    (level: string) =>
    (message: string, ...details: unknown[]) => {
      calls.push([level, message, ...details]);
    };
  return {
    calls,
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };
}

/** Everything a logger call carries, as text (error messages and stacks included). */
export function loggedText(calls: readonly unknown[][]): string {
  return calls
    .flat()
    .map((part) => (part instanceof Error ? `${part.message}\n${part.stack}` : String(part)))
    .join("\n");
}
