/**
 * The in-process backend: a Map in least-recently-used order holding the encoded entry, so it
 * behaves like Redis (isolated copies in and out). The tricky point is reclaiming expired
 * entries that are never read again without a timer per entry: a min-heap of expiry times,
 * drained a little on every call, finds them.
 */
import type { ApiKeyCacheBackend, CachedApiKey, CachedApiKeyWithTtl } from "./backend.js";
import { ApiKeyCacheError } from "./errors.js";
import { assertCacheKey, ttlToMilliseconds } from "./validation.js";
import { decodeCachedApiKey, encodeCachedApiKey } from "./value-codec.js";

/** Options of {@link InMemoryApiKeyCacheBackend}. */
export interface InMemoryApiKeyCacheBackendOptions {
  /** Most entries kept; the least recently used is evicted first. @default 10000 */
  maxEntries?: number;
  /** Monotonic clock in milliseconds. @default performance.now */
  now?: () => number;
}

interface MemoryEntry {
  readonly encoded: string;
  readonly expiresAt: number;
}

interface ExpiryMark {
  readonly expiresAt: number;
  readonly key: string;
}

/** Expired entries reclaimed per call, so no single call pays for a large backlog. */
const RECLAIM_PER_CALL = 64;

/** A bounded, per-process cache. Fast, but each process has its own copy. */
export class InMemoryApiKeyCacheBackend<V extends CachedApiKey = CachedApiKey>
  implements ApiKeyCacheBackend<V>
{
  readonly maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, MemoryEntry>();
  readonly #expiries: ExpiryMark[] = [];
  #closed = false;

  constructor(options: InMemoryApiKeyCacheBackendOptions = {}) {
    const maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `InMemoryApiKeyCacheBackend: maxEntries must be a positive integer, got ${maxEntries}`,
      );
    }
    if (options.now !== undefined && typeof options.now !== "function") {
      throw new ApiKeyCacheError("E_CONFIG", "InMemoryApiKeyCacheBackend: now must be a function");
    }
    this.maxEntries = maxEntries;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Live entries held right now (expired ones are reclaimed first). */
  get size(): number {
    this.#reclaimExpired(this.#now(), Number.POSITIVE_INFINITY);
    return this.#entries.size;
  }

  async get(cacheKey: string): Promise<V | undefined> {
    return this.#read(cacheKey);
  }

  /** The entry and its exact remaining lifetime on this backend's clock. */
  async getWithTtl(cacheKey: string): Promise<CachedApiKeyWithTtl<V> | undefined> {
    const now = this.#now();
    const entry = this.#lookup(cacheKey, now);
    const value = entry === undefined ? undefined : decodeCachedApiKey<V>(entry.encoded);
    return entry === undefined || value === undefined
      ? undefined
      : { value, ttlMs: entry.expiresAt - now };
  }

  async set(cacheKey: string, value: V, ttlSeconds: number): Promise<void> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    const now = this.#now();
    this.#reclaimExpired(now, RECLAIM_PER_CALL);
    if (ttlMs === 0) return;
    this.#write(cacheKey, encoded, now + ttlMs);
  }

  async setIfAbsent(cacheKey: string, value: V, ttlSeconds: number): Promise<boolean> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    if (this.#read(cacheKey) !== undefined || ttlMs === 0) return false;
    this.#write(cacheKey, encoded, this.#now() + ttlMs);
    return true;
  }

  async setIfAbsentGet(cacheKey: string, value: V, ttlSeconds: number): Promise<V | undefined> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    const existing = this.#read(cacheKey);
    if (existing === undefined && ttlMs > 0) this.#write(cacheKey, encoded, this.#now() + ttlMs);
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
    const encoded = encodeCachedApiKey(value);
    const now = this.#now();
    const entry = this.#lookup(cacheKey, now);
    if (ttlMs === 0 || entry === undefined || entry.encoded !== expectedEncoded) return false;
    this.#write(cacheKey, encoded, now + ttlMs);
    return true;
  }

  async delete(cacheKey: string): Promise<void> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    this.#entries.delete(cacheKey);
    this.#reclaimExpired(this.#now(), RECLAIM_PER_CALL);
  }

  async clear(): Promise<void> {
    this.#assertOpen();
    this.clearSync();
  }

  /** Remove every entry synchronously (test teardown; the reference's `sync_clear`). */
  clearSync(): void {
    this.#entries.clear();
    this.#expiries.length = 0;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.clearSync();
  }

  #read(cacheKey: string): V | undefined {
    const entry = this.#lookup(cacheKey, this.#now());
    return entry === undefined ? undefined : decodeCachedApiKey<V>(entry.encoded);
  }

  /** The live entry for `cacheKey` at `now`, marked most recently used; expired ones dropped. */
  #lookup(cacheKey: string, now: number): MemoryEntry | undefined {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    this.#reclaimExpired(now, RECLAIM_PER_CALL);
    const entry = this.#entries.get(cacheKey);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(cacheKey);
      return undefined;
    }
    // Re-insert to mark it most recently used (Map keeps insertion order).
    this.#entries.delete(cacheKey);
    this.#entries.set(cacheKey, entry);
    return entry;
  }

  #write(cacheKey: string, encoded: string, expiresAt: number): void {
    this.#entries.delete(cacheKey);
    this.#entries.set(cacheKey, { encoded, expiresAt });
    this.#pushExpiry({ expiresAt, key: cacheKey });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    // Overwrites leave stale marks behind; rebuild the heap before it outgrows the map.
    if (this.#expiries.length > 2 * this.#entries.size + 64) this.#rebuildExpiries();
  }

  #reclaimExpired(now: number, budget: number): void {
    const heap = this.#expiries;
    let remaining = budget;
    while (remaining > 0 && heap.length > 0) {
      const top = heap[0] as ExpiryMark;
      if (top.expiresAt > now) return;
      this.#popExpiry();
      remaining--;
      const entry = this.#entries.get(top.key);
      if (entry !== undefined && entry.expiresAt <= now) this.#entries.delete(top.key);
    }
  }

  #rebuildExpiries(): void {
    this.#expiries.length = 0;
    for (const [key, entry] of this.#entries) this.#pushExpiry({ expiresAt: entry.expiresAt, key });
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
  }

  #popExpiry(): void {
    const heap = this.#expiries;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
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
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new ApiKeyCacheError("E_CLOSED", "InMemoryApiKeyCacheBackend is closed");
    }
  }
}
