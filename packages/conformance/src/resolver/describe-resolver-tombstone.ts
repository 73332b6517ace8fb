/**
 * Vitest registration of the revocation tombstone check on a caller's store: `revoke()` on one
 * resolver stores the tombstone for max(ttlSeconds, 2 × loadTimeoutMs), and a second resolver
 * on its own backend (another process, in effect) answers from it without loading.
 * The remaining lifetime is best read around the backends (e.g. Redis `PTTL`), so the check
 * does not trust the code it tests; `getWithTtl` of the second backend is the fallback.
 */
import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  REVOKED_MARKER,
  silentLogger,
} from "@apikey/core";
import { afterEach, describe, expect, it } from "vitest";

/** Two backends on one shared store, from {@link ResolverTombstoneOptions.createPair}. */
export interface ResolverTombstonePair<B extends ApiKeyCacheBackend = ApiKeyCacheBackend> {
  /** The revoker's backend and the other resolver's, each with its own connection. */
  backends: readonly [B, B];
  /**
   * Remaining lifetime in ms of the entry under `cacheKey`, read straight from the store.
   * @default the second backend's `getWithTtl`
   */
  remainingTtlMs?(cacheKey: string): Promise<number>;
}

/** Options of {@link describeResolverTombstone}. */
export interface ResolverTombstoneOptions<B extends ApiKeyCacheBackend = ApiKeyCacheBackend> {
  /** Called once when the test starts. */
  createPair(): ResolverTombstonePair<B> | Promise<ResolverTombstonePair<B>>;
  /** Release the pair after the test. @default closes each distinct backend */
  dispose?(pair: ResolverTombstonePair<B>): Promise<void>;
}

/** `ttlSeconds` 3 and `loadTimeoutMs` 4,000: the tombstone must live the larger, 8 s. */
const TTL_SECONDS = 3;
const LOAD_TIMEOUT_MS = 4_000;
const TOMBSTONE_MS = Math.max(TTL_SECONDS * 1000, 2 * LOAD_TIMEOUT_MS);

async function remainingTtlMs(pair: ResolverTombstonePair, cacheKey: string): Promise<number> {
  if (pair.remainingTtlMs !== undefined) return pair.remainingTtlMs(cacheKey);
  const backend = pair.backends[1];
  if (backend.getWithTtl === undefined) {
    throw new Error(
      "describeResolverTombstone: the backend has no getWithTtl; give the pair a remainingTtlMs()",
    );
  }
  const entry = await backend.getWithTtl(cacheKey);
  if (entry === undefined) throw new Error(`no entry under ${cacheKey} after revoke()`);
  return entry.ttlMs;
}

/**
 * Register the tombstone check for vitest: `describe(name)` with one test.
 *
 * @example
 * describeResolverTombstone("memory", {
 *   createPair: () => {
 *     const shared = new InMemoryApiKeyCacheBackend();
 *     return { backends: [shared, shared] };
 *   },
 * });
 */
export function describeResolverTombstone<B extends ApiKeyCacheBackend>(
  name: string,
  options: ResolverTombstoneOptions<B>,
): void {
  describe(name, () => {
    let open: ResolverTombstonePair<B> | undefined;
    afterEach(async () => {
      const pair = open;
      open = undefined;
      if (pair === undefined) return;
      if (options.dispose !== undefined) await options.dispose(pair);
      else await Promise.all([...new Set(pair.backends)].map((backend) => backend.close()));
    });
    it("revoke() stores the tombstone for max(ttlSeconds, 2 × loadTimeoutMs); the other resolver reads it", async () => {
      const pair = await options.createPair();
      open = pair;
      const load = async (): Promise<CachedApiKey> => ({ apiKey: "ak", active: true });
      const resolverOptions = {
        load,
        ttlSeconds: TTL_SECONDS,
        loadTimeoutMs: LOAD_TIMEOUT_MS,
        logger: silentLogger,
      };
      const revoker = createApiKeyResolver({ ...resolverOptions, backend: pair.backends[0] });
      const other = createApiKeyResolver({ ...resolverOptions, backend: pair.backends[1] });
      const keyHash = hashApiKey("ak_revoked_once");
      await revoker.revoke(keyHash);
      const ttlMs = await remainingTtlMs(pair as ResolverTombstonePair, keyHash);
      expect(ttlMs).toBeGreaterThan(TOMBSTONE_MS - 2_000);
      expect(ttlMs).toBeLessThanOrEqual(TOMBSTONE_MS);
      // The loader would say active: the tombstone answers first.
      await expect(other.resolve("ak_revoked_once")).resolves.toEqual(REVOKED_MARKER);
      expect(other.stats()).toMatchObject({ hits: 1, loads: 0 });
    });
  });
}
