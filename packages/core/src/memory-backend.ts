/**
 * The in-process backend: Maps in least-recently-used order holding a deep-frozen copy of each
 * entry (and its encoded form), so it behaves like Redis: the caller's object is copied on the
 * way in, and what a read hands out can never change what another read sees (mutating it throws
 * in strict mode), without a parse on every hit. Not-found markers live in a Map of their own
 * with its own bound (as mlcache splits hits from misses), so a flood of unknown keys evicts
 * only other not-found markers, never a record or a tombstone; and a tombstone is evicted only
 * once no record is left to evict. The tricky point is reclaiming expired entries that are never
 * read again without a timer per entry: one min-heap of expiry times, drained a little on every
 * call, finds them in whichever Map holds them.
 */
import type { ApiKeyCacheBackend, CachedApiKey, CachedApiKeyWithTtl } from "./backend.js";
import { coarseNow } from "./coarse-clock.js";
import { ApiKeyCacheError } from "./errors.js";
import { withoutFreshUntil } from "./freshness.js";
import { type LruEntry, LruMap } from "./lru-map.js";
import { registerSettledHitReader, type SettledHit } from "./settled-hit.js";
import { isNotFoundMarker, isRevokedMarker } from "./stored-markers.js";
import { assertCacheKey, ttlToMilliseconds } from "./validation.js";
import { encodeCachedApiKey, frozenCopyOfCachedApiKey } from "./value-codec.js";

/** Options of {@link InMemoryApiKeyCacheBackend}. */
export interface InMemoryApiKeyCacheBackendOptions {
  /**
   * Most records and tombstones kept; the least recently used record is evicted first, and a
   * tombstone only once no record is left. Not-found markers are bounded apart
   * (`maxNegativeEntries`). @default 10000
   */
  maxEntries?: number;
  /**
   * Most not-found markers kept, in their own least-recently-used order: a flood of unknown
   * keys evicts only other not-found markers. `0` keeps none. @default ceil(maxEntries / 4)
   */
  maxNegativeEntries?: number;
  /**
   * Monotonic clock in milliseconds, read by every call. By default writes, `getWithTtl` and
   * `size` read `performance.now()`, while `get` and `peek` read a coarse copy of it (sampled at
   * most once per millisecond, see the README, "Expiry precision"), so a hit costs no clock call.
   * @default performance.now
   */
  now?: () => number;
}

/**
 * One stored key: its value, its expiry and its place in its Map's LRU order, in one object
 * (the entry is its own list node). Never changed once stored but for its links: a write
 * stores a new entry.
 */
class MemoryEntry<V extends CachedApiKey> implements LruEntry<MemoryEntry<V>>, SettledHit<V> {
  readonly key: string;
  /** The deep-frozen copy every read hands out. */
  readonly value: V;
  /** Its wire form, which `replaceIfUnchanged` compares. */
  readonly encoded: string;
  readonly expiresAt: number;
  /**
   * What `get` returns for it: one frozen, already resolved promise shared by every read (a
   * fresh promise per hit would cost more than the lookup itself).
   */
  readonly resolved: Promise<V>;
  older: MemoryEntry<V> | undefined = undefined;
  newer: MemoryEntry<V> | undefined = undefined;

  constructor(key: string, value: V, encoded: string, expiresAt: number) {
    this.key = key;
    this.value = value;
    this.encoded = encoded;
    this.expiresAt = expiresAt;
    this.resolved = Object.freeze(Promise.resolve(value));
  }
}

/** What `get` returns for a miss. */
const MISS: Promise<undefined> = Object.freeze(Promise.resolve(undefined));

/** A checked, deep-frozen copy of `value` and its encoded form: one pass, one encode. */
function storedForm<V extends CachedApiKey>(value: V): { value: V; encoded: string } {
  const frozen = frozenCopyOfCachedApiKey(value);
  // The view the resolver hands out, computed now rather than on a hit.
  withoutFreshUntil(frozen);
  return { value: frozen, encoded: JSON.stringify(frozen) };
}

interface ExpiryMark {
  readonly expiresAt: number;
  readonly key: string;
}

/** Expired entries reclaimed per call, so no single call pays for a large backlog. */
const RECLAIM_PER_CALL = 64;

/**
 * An entry with less than this left by the coarse clock is checked against the exact one:
 * the coarse clock lags, so without it an entry could be served past its TTL, and a tiered
 * L1 copy past `localTtlSeconds`, which `revoke(h, { wait: true })` counts on.
 */
export const EXACT_EXPIRY_CHECK_WITHIN_MS = 20;

/** A bounded, per-process cache. Fast, but each process has its own copy. */
export class InMemoryApiKeyCacheBackend<V extends CachedApiKey = CachedApiKey>
  implements ApiKeyCacheBackend<V>
{
  readonly maxEntries: number;
  readonly maxNegativeEntries: number;
  readonly #now: () => number;
  /** The clock of `get` and `peek`: `#now`, or the coarse clock by default. */
  readonly #readNow: () => number;
  /** Records (anything but the two markers), least recently used first. */
  readonly #records = new LruMap<MemoryEntry<V>>();
  /** Tombstones (`REVOKED_MARKER`), least recently used first. */
  readonly #tombstones = new LruMap<MemoryEntry<V>>();
  /** Not-found markers (`NOT_FOUND_MARKER`), least recently used first. */
  readonly #negatives = new LruMap<MemoryEntry<V>>();
  readonly #expiries: ExpiryMark[] = [];
  /** When the earliest mark of `#expiries` falls due (`+Infinity` if none): one compare per hit. */
  #nextExpiryAt = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(options: InMemoryApiKeyCacheBackendOptions = {}) {
    const maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `InMemoryApiKeyCacheBackend: maxEntries must be a positive integer, got ${maxEntries}`,
      );
    }
    const maxNegativeEntries = options.maxNegativeEntries ?? Math.ceil(maxEntries / 4);
    if (!Number.isSafeInteger(maxNegativeEntries) || maxNegativeEntries < 0) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `InMemoryApiKeyCacheBackend: maxNegativeEntries must be an integer >= 0, got ${maxNegativeEntries}`,
      );
    }
    if (options.now !== undefined && typeof options.now !== "function") {
      throw new ApiKeyCacheError("E_CONFIG", "InMemoryApiKeyCacheBackend: now must be a function");
    }
    this.maxEntries = maxEntries;
    this.maxNegativeEntries = maxNegativeEntries;
    this.#now = options.now ?? (() => performance.now());
    this.#readNow = options.now ?? coarseNow;
    // For the tiered backend and the resolver (core-internal): a hit answered with `get`'s
    // settled promise. The entry itself is the answer: nothing is allocated per hit.
    // Not for a subclass that overrides a read: its reads must go through its own methods.
    const base = InMemoryApiKeyCacheBackend.prototype;
    if (this.get === base.get && this.peek === base.peek) {
      registerSettledHitReader<V>(this, (cacheKey) => this.#lookup(cacheKey, this.#readNow()));
    }
  }

  /** Live entries held right now, markers included (expired ones are reclaimed first). */
  get size(): number {
    this.#reclaimExpired(this.#now(), Number.POSITIVE_INFINITY);
    return this.#records.size + this.#tombstones.size + this.#negatives.size;
  }

  /** Live not-found markers held right now (part of `size`). */
  get negativeSize(): number {
    this.#reclaimExpired(this.#now(), Number.POSITIVE_INFINITY);
    return this.#negatives.size;
  }

  get(cacheKey: string): Promise<V | undefined> {
    let entry: MemoryEntry<V> | undefined;
    try {
      entry = this.#lookup(cacheKey, this.#readNow());
    } catch (error) {
      return Promise.reject(error);
    }
    return entry === undefined ? MISS : entry.resolved;
  }

  /**
   * The entry `get` would give, synchronously: the same deep-frozen object, the same LRU and
   * expiry bookkeeping, no promise.
   * @throws ApiKeyCacheError `E_CLOSED` after `close()`, `E_INVALID_KEY` for a bad key (thrown,
   * not rejected).
   */
  peek(cacheKey: string): V | undefined {
    return this.#lookup(cacheKey, this.#readNow())?.value;
  }

  /** The entry and its exact remaining lifetime on this backend's clock. */
  async getWithTtl(cacheKey: string): Promise<CachedApiKeyWithTtl<V> | undefined> {
    const now = this.#now();
    const entry = this.#lookup(cacheKey, now);
    return entry === undefined ? undefined : { value: entry.value, ttlMs: entry.expiresAt - now };
  }

  async set(cacheKey: string, value: V, ttlSeconds: number): Promise<void> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const stored = storedForm(value);
    const now = this.#now();
    this.#reclaimExpired(now, RECLAIM_PER_CALL);
    if (ttlMs === 0) return;
    this.#write(cacheKey, stored.value, stored.encoded, now + ttlMs);
  }

  async setIfAbsent(cacheKey: string, value: V, ttlSeconds: number): Promise<boolean> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const stored = storedForm(value);
    if (this.#lookup(cacheKey, this.#now()) !== undefined || ttlMs === 0) return false;
    this.#write(cacheKey, stored.value, stored.encoded, this.#now() + ttlMs);
    return true;
  }

  async setIfAbsentGet(cacheKey: string, value: V, ttlSeconds: number): Promise<V | undefined> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const stored = storedForm(value);
    const existing = this.#lookup(cacheKey, this.#now())?.value;
    if (existing === undefined && ttlMs > 0) {
      this.#write(cacheKey, stored.value, stored.encoded, this.#now() + ttlMs);
    }
    return existing;
  }

  async replaceIfUnchanged(
    cacheKey: string,
    expected: V,
    value: V,
    ttlSeconds: number,
  ): Promise<boolean> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const expectedEncoded = encodeCachedApiKey(expected);
    const stored = storedForm(value);
    const now = this.#now();
    const entry = this.#lookup(cacheKey, now);
    if (ttlMs === 0 || entry === undefined || entry.encoded !== expectedEncoded) return false;
    this.#write(cacheKey, stored.value, stored.encoded, now + ttlMs);
    return true;
  }

  async delete(cacheKey: string): Promise<void> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    this.#remove(cacheKey);
    this.#reclaimExpired(this.#now(), RECLAIM_PER_CALL);
  }

  async clear(): Promise<void> {
    this.#assertOpen();
    this.clearSync();
  }

  /** Remove every entry synchronously (test teardown; the reference's `sync_clear`). */
  clearSync(): void {
    this.#records.clear();
    this.#tombstones.clear();
    this.#negatives.clear();
    this.#expiries.length = 0;
    this.#nextExpiryAt = Number.POSITIVE_INFINITY;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.clearSync();
  }

  /** The live entry for `cacheKey` at `now`, marked most recently used; expired ones dropped. */
  #lookup(cacheKey: string, now: number): MemoryEntry<V> | undefined {
    this.#assertOpen();
    this.#reclaimExpired(now, RECLAIM_PER_CALL);
    // Records first: the hot path is one Map lookup (which marks the entry most recently used).
    let map = this.#records;
    let entry = map.get(cacheKey);
    if (entry === undefined) {
      // Checked only now: every key held passed this check when it was written, so a hit needs
      // none, and a bad key (never held) always gets here and is refused.
      assertCacheKey(cacheKey);
      map = this.#negatives;
      entry = map.get(cacheKey);
      if (entry === undefined) {
        map = this.#tombstones;
        entry = map.get(cacheKey);
        if (entry === undefined) return undefined;
      }
    }
    const leftMs = entry.expiresAt - now;
    // `now` is never ahead of the exact clock: only a positive remainder can be wrong.
    if (leftMs > EXACT_EXPIRY_CHECK_WITHIN_MS) return entry;
    if (leftMs > 0 && entry.expiresAt > this.#now()) return entry;
    map.delete(cacheKey);
    return undefined;
  }

  /** The Map holding `cacheKey` (a key is in at most one), or `undefined`. */
  #holder(cacheKey: string): LruMap<MemoryEntry<V>> | undefined {
    if (this.#records.has(cacheKey)) return this.#records;
    if (this.#negatives.has(cacheKey)) return this.#negatives;
    if (this.#tombstones.has(cacheKey)) return this.#tombstones;
    return undefined;
  }

  #remove(cacheKey: string): void {
    this.#holder(cacheKey)?.delete(cacheKey);
  }

  #write(cacheKey: string, value: V, encoded: string, expiresAt: number): void {
    this.#remove(cacheKey);
    const entry = new MemoryEntry(cacheKey, value, encoded, expiresAt);
    if (isNotFoundMarker(value)) {
      const negatives = this.#negatives;
      negatives.set(entry);
      while (negatives.size > this.maxNegativeEntries) negatives.deleteOldest();
    } else {
      (isRevokedMarker(value) ? this.#tombstones : this.#records).set(entry);
      // Records go first: a tombstone evicted while a load that predates it is in flight
      // could let that load cache the key active again.
      while (this.#records.size + this.#tombstones.size > this.maxEntries) {
        (this.#records.size > 0 ? this.#records : this.#tombstones).deleteOldest();
      }
    }
    this.#pushExpiry({ expiresAt, key: cacheKey });
    // Overwrites and evictions leave stale marks behind; rebuild the heap before it outgrows
    // the maps.
    const size = this.#records.size + this.#tombstones.size + this.#negatives.size;
    if (this.#expiries.length > 2 * size + 64) this.#rebuildExpiries();
  }

  #reclaimExpired(now: number, budget: number): void {
    if (this.#nextExpiryAt > now) return;
    const heap = this.#expiries;
    let remaining = budget;
    while (remaining > 0 && heap.length > 0) {
      const top = heap[0] as ExpiryMark;
      if (top.expiresAt > now) return;
      this.#popExpiry();
      remaining--;
      const map = this.#holder(top.key);
      const entry = map?.peek(top.key);
      if (entry !== undefined && entry.expiresAt <= now) map?.delete(top.key);
    }
  }

  #rebuildExpiries(): void {
    this.#expiries.length = 0;
    this.#nextExpiryAt = Number.POSITIVE_INFINITY;
    for (const map of [this.#records, this.#tombstones, this.#negatives]) {
      for (const entry of map.entries()) {
        this.#pushExpiry({ expiresAt: entry.expiresAt, key: entry.key });
      }
    }
  }

  #pushExpiry(mark: ExpiryMark): void {
    const heap = this.#expiries;
    heap.push(mark);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentMark = heap[parent] as ExpiryMark;
      if (parentMark.expiresAt <= mark.expiresAt) break;
      heap[index] = parentMark;
      index = parent;
    }
    heap[index] = mark;
    this.#noteNextExpiry();
  }

  #popExpiry(): void {
    const heap = this.#expiries;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) {
      this.#noteNextExpiry();
      return;
    }
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length &&
        (heap[right] as ExpiryMark).expiresAt < (heap[left] as ExpiryMark).expiresAt
          ? right
          : left;
      const childMark = heap[child] as ExpiryMark;
      if (childMark.expiresAt >= last.expiresAt) break;
      heap[index] = childMark;
      index = child;
    }
    heap[index] = last;
    this.#noteNextExpiry();
  }

  #noteNextExpiry(): void {
    const top = this.#expiries[0];
    this.#nextExpiryAt = top === undefined ? Number.POSITIVE_INFINITY : top.expiresAt;
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new ApiKeyCacheError("E_CLOSED", "InMemoryApiKeyCacheBackend is closed");
    }
  }
}
