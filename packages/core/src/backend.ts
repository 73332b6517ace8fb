/**
 * The backend protocol every cache store implements. Semantics shared by all backends are
 * pinned by `@apikey/conformance`; see docs/architecture.md, "The backend protocol".
 */

/** What the cache holds for one API-key hash. Extra JSON-safe fields round-trip unchanged. */
export interface CachedApiKey {
  /** The key's public identifier or prefix (never the plaintext key). */
  apiKey: string;
  /** Whether the key may authenticate. */
  active: boolean;
  [extra: string]: unknown;
}

/** An entry together with how long it has left to live, from {@link ApiKeyCacheBackend.getWithTtl}. */
export interface CachedApiKeyWithTtl<V extends CachedApiKey = CachedApiKey> {
  /** The entry, as `get` would return it. */
  value: V;
  /**
   * Its remaining lifetime in milliseconds, `> 0`, never more than the entry really has left
   * (a tiered backend's L1 copy may report less). `Number.POSITIVE_INFINITY` for an entry
   * with no expiry (a Redis key written without one by another program).
   */
  ttlMs: number;
}

/**
 * A cache of {@link CachedApiKey} records keyed by a non-empty string (usually a sha256 hex).
 *
 * Every value a backend hands out (`get`, `getWithTtl`, `setIfAbsentGet`, `peek`) is
 * deep-frozen: mutating it throws in strict mode, so it can never change what another read
 * sees, and two reads may share one object. `decodeCachedApiKey` gives such values.
 */
export interface ApiKeyCacheBackend<V extends CachedApiKey = CachedApiKey> {
  /**
   * The entry for `cacheKey` (deep-frozen); `undefined` on a miss, after expiry, or for an
   * undecodable entry.
   */
  get(cacheKey: string): Promise<V | undefined>;
  /**
   * Optional: the entry `get` would give, answered synchronously from this process's memory
   * (the memory backend; the tiered backend's L1), with no promise. `undefined` means there is
   * no in-process answer: a miss, an expired entry, or (tiered) L1 off or without a copy; the
   * caller then asks `get`, which may still find it. It never gives what `get` would not give at
   * that moment. Bad input and use after `close()` throw (`E_INVALID_KEY`, `E_CLOSED`) instead
   * of rejecting. The resolver uses it so an in-process hit costs no promise of its own.
   */
  peek?(cacheKey: string): V | undefined;
  /**
   * Optional: the entry and its remaining lifetime in milliseconds, in one round trip (Redis:
   * GET and PTTL sent together); `undefined` on a miss, after expiry, or for an undecodable
   * entry, exactly as `get` (an undecodable entry is reported and removed the same way). The
   * tiered backend uses it so an L1 copy never outlives the L2 entry it was read from.
   */
  getWithTtl?(cacheKey: string): Promise<CachedApiKeyWithTtl<V> | undefined>;
  /** Store `value` for `ttlSeconds` (fractional allowed, ms precision); `<= 0` stores nothing. */
  set(cacheKey: string, value: V, ttlSeconds: number): Promise<void>;
  /** Store only if no live entry exists; `true` if stored. `ttlSeconds <= 0` stores nothing and gives `false`. */
  setIfAbsent(cacheKey: string, value: V, ttlSeconds: number): Promise<boolean>;
  /**
   * Optional: store if absent and return what was there, in one round trip.
   * `undefined` means nothing live was there (and `value` was stored, unless `ttlSeconds <= 0`).
   */
  setIfAbsentGet?(cacheKey: string, value: V, ttlSeconds: number): Promise<V | undefined>;
  /**
   * Optional: compare-and-set. Replace the entry with `value` for `ttlSeconds` only if a live
   * entry is there and it is still exactly `expected` (it encodes as `encodeCachedApiKey(expected)`
   * does); `true` if replaced. An absent or expired entry, or any other value (a tombstone, a
   * newer write), is left alone and gives `false`, as does `ttlSeconds <= 0`. Inputs are checked
   * in the order closed, key, TTL, `expected`, `value`. The resolver's refresh-ahead and
   * stale-if-error write with it, so a background load can never overwrite a revocation.
   */
  replaceIfUnchanged?(
    cacheKey: string,
    expected: V,
    value: V,
    ttlSeconds: number,
  ): Promise<boolean>;
  /** Remove the entry; a no-op for an absent key. */
  delete(cacheKey: string): Promise<void>;
  /** Remove every entry of this backend's own namespace, and nothing else. Idempotent. */
  clear(): Promise<void>;
  /** Release what the backend owns. Idempotent; later calls reject with `E_CLOSED`. */
  close(): Promise<void>;
  /**
   * Optional: the longest time another process may still serve a value this process has
   * replaced or deleted (the tiered backend: `localTtlSeconds * 1000`).
   */
  readonly maxStalenessMs?: number;
}

const requiredMethods = ["get", "set", "setIfAbsent", "delete", "clear", "close"] as const;

/** Runtime check that `candidate` implements {@link ApiKeyCacheBackend}. */
export function isApiKeyCacheBackend(candidate: unknown): candidate is ApiKeyCacheBackend {
  if (typeof candidate !== "object" || candidate === null) return false;
  const record = candidate as Record<string, unknown>;
  return requiredMethods.every((method) => typeof record[method] === "function");
}
