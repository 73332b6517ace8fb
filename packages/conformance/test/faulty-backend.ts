/**
 * A small backend with switchable faults, for proving the conformance suite catches them.
 * With no faults it is correct. Every instance keeps its entries in one module-level Map under
 * its namespace, so a peer (same namespace) shares them and a faulty clear() can reach other
 * namespaces, as a Redis backend with a bad SCAN pattern would.
 */
import {
  type ApiKeyCacheBackend,
  ApiKeyCacheError,
  assertCacheKey,
  type CachedApiKey,
  type CachedApiKeyWithTtl,
  decodeCachedApiKey,
  encodeCachedApiKey,
  ttlToMilliseconds,
} from "@apikey/core";

/** The faults a {@link FaultyBackend} can have. */
export interface BackendFaults {
  /** Entries never expire (TTLs > 0 are all treated as forever). */
  ignoresTtl?: boolean;
  /** Stores the caller's object and returns it by reference. */
  returnsByReference?: boolean;
  /** Returns a fresh mutable copy on every read (the contract before values were frozen). */
  returnsMutableCopies?: boolean;
  /** Keeps one decoded copy, frozen only at its top level, and hands it to every read. */
  sharesShallowFrozenCopy?: boolean;
  /** Has a `peek` that ignores expiry and deletes (it answers from a stale copy). */
  stalePeek?: boolean;
  /** clear() empties the whole shared store, every namespace included. */
  clearsEveryNamespace?: boolean;
  /** setIfAbsent() reads, yields, then writes: concurrent callers all "win". */
  racySetIfAbsent?: boolean;
  /**
   * A read of an entry another instance wrote keeps a local copy for 5 s whatever the entry's
   * TTL (a tiered L1 that cannot see L2's TTL); a copy of an entry since replaced, deleted or
   * cleared is dropped, as a bus invalidation would.
   */
  outlivesPeerEntries?: boolean;
}

/** How long an {@link BackendFaults.outlivesPeerEntries} copy lives. */
const PEER_COPY_MS = 5_000;

interface StoredEntry {
  encoded: string;
  original: CachedApiKey;
  /** The copy {@link BackendFaults.sharesShallowFrozenCopy} hands out. */
  shallowFrozen: CachedApiKey;
  expiresAt: number;
  /** The instance that wrote it. */
  writer: FaultyBackend;
}

/** An {@link BackendFaults.outlivesPeerEntries} copy of `source`, served until `expiresAt`. */
interface PeerCopy {
  source: StoredEntry;
  expiresAt: number;
}

const sharedStore = new Map<string, StoredEntry>();
let namespaceCounter = 0;

/** A fresh namespace name. */
export function freshNamespace(): string {
  namespaceCounter += 1;
  return `ns${namespaceCounter}:`;
}

/** Options of {@link FaultyBackend}. */
export interface FaultyBackendOptions {
  faults?: BackendFaults;
  /** Share the entries of another instance (a peer). @default a fresh namespace */
  namespace?: string;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
}

/** See the module comment. */
export class FaultyBackend implements ApiKeyCacheBackend {
  readonly namespace: string;
  readonly #faults: BackendFaults;
  readonly #now: () => number;
  readonly #peerCopies = new Map<string, PeerCopy>();
  /** What {@link BackendFaults.stalePeek} answers from: every value ever written, never dropped. */
  readonly #everWritten = new Map<string, CachedApiKey>();
  #closed = false;

  constructor(options: FaultyBackendOptions = {}) {
    this.namespace = options.namespace ?? freshNamespace();
    this.#faults = options.faults ?? {};
    this.#now = options.now ?? (() => performance.now());
    if (this.#faults.stalePeek) {
      this.peek = (cacheKey) => {
        this.#assertOpen();
        assertCacheKey(cacheKey);
        return this.#everWritten.get(cacheKey);
      };
    }
  }

  /** Present only with {@link BackendFaults.stalePeek}. */
  declare peek?: (cacheKey: string) => CachedApiKey | undefined;

  async get(cacheKey: string): Promise<CachedApiKey | undefined> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    return this.#read(cacheKey);
  }

  async getWithTtl(cacheKey: string): Promise<CachedApiKeyWithTtl | undefined> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const now = this.#now();
    const found = this.#lookup(cacheKey, now);
    const value = this.#read(cacheKey);
    return found === undefined || value === undefined
      ? undefined
      : { value, ttlMs: found.expiresAt - now };
  }

  async set(cacheKey: string, value: CachedApiKey, ttlSeconds: number): Promise<void> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    this.#write(cacheKey, value, encoded, ttlMs);
  }

  async setIfAbsent(cacheKey: string, value: CachedApiKey, ttlSeconds: number): Promise<boolean> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    const existing = this.#read(cacheKey);
    // The fault: yielding between the read and the write lets concurrent callers all "win".
    if (this.#faults.racySetIfAbsent) await new Promise((resolve) => setImmediate(resolve));
    if (existing !== undefined || ttlMs === 0) return false;
    this.#write(cacheKey, value, encoded, ttlMs);
    return true;
  }

  async delete(cacheKey: string): Promise<void> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    sharedStore.delete(this.namespace + cacheKey);
  }

  async clear(): Promise<void> {
    this.#assertOpen();
    if (this.#faults.clearsEveryNamespace) {
      sharedStore.clear();
      return;
    }
    for (const key of [...sharedStore.keys()]) {
      if (key.startsWith(this.namespace)) sharedStore.delete(key);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #read(cacheKey: string): CachedApiKey | undefined {
    const entry = this.#lookup(cacheKey, this.#now())?.source;
    if (entry === undefined) return undefined;
    if (this.#faults.returnsByReference) return entry.original;
    if (this.#faults.sharesShallowFrozenCopy) return entry.shallowFrozen;
    if (this.#faults.returnsMutableCopies) return JSON.parse(entry.encoded) as CachedApiKey;
    return decodeCachedApiKey(entry.encoded);
  }

  /** The live entry (or a live peer copy of it) and when what is served expires. */
  #lookup(cacheKey: string, now: number): PeerCopy | undefined {
    const entry = sharedStore.get(this.namespace + cacheKey);
    const copy = this.#peerCopies.get(cacheKey);
    if (copy !== undefined && copy.source === entry && copy.expiresAt > now) return copy;
    this.#peerCopies.delete(cacheKey);
    if (entry === undefined || entry.expiresAt <= now) return undefined;
    if (this.#faults.outlivesPeerEntries && entry.writer !== this) {
      const kept = { source: entry, expiresAt: now + PEER_COPY_MS };
      this.#peerCopies.set(cacheKey, kept);
      return kept;
    }
    return { source: entry, expiresAt: entry.expiresAt };
  }

  #write(cacheKey: string, value: CachedApiKey, encoded: string, ttlMs: number): void {
    if (ttlMs === 0) return;
    const expiresAt = this.#faults.ignoresTtl ? Number.POSITIVE_INFINITY : this.#now() + ttlMs;
    if (this.#faults.stalePeek)
      this.#everWritten.set(cacheKey, decodeCachedApiKey(encoded) as CachedApiKey);
    sharedStore.set(this.namespace + cacheKey, {
      encoded,
      original: value,
      shallowFrozen: Object.freeze(JSON.parse(encoded) as CachedApiKey),
      expiresAt,
      writer: this,
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new ApiKeyCacheError("E_CLOSED", "FaultyBackend is closed");
  }
}
