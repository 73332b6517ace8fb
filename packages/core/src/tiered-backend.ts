/**
 * The tiered backend: a short-lived in-process L1 in front of a shared L2 (Redis), kept honest
 * by an invalidation bus. L2 is the truth. The tricky point is never letting L1 hold a value
 * L2 no longer has: an L2 reply may fill L1 only if no write, bus message or disconnect touched
 * its key since the read was sent (generations), L1 is off while the bus may be missing
 * messages, and every fill expires `localTtlSeconds` after its read was sent, or sooner when L2
 * says (`getWithTtl`) its entry has less left. Concurrent misses of a key share one L2 read,
 * but only while nothing has invalidated the key since that read was sent.
 */
import type { ApiKeyCacheBackend, CachedApiKey, CachedApiKeyWithTtl } from "./backend.js";
import { busChannel } from "./diagnostics.js";
import { ApiKeyCacheError } from "./errors.js";
import { GenerationTable } from "./generation-table.js";
import type { InvalidationBus, InvalidationMessage } from "./invalidation-bus.js";
import { type ApiKeyCacheLogger, defaultLogger } from "./logger.js";
import { type RemoteRead, RemoteReadFlights } from "./remote-read-flights.js";
import {
  registerSettledHitReader,
  type SettledHit,
  type SettledHitReader,
  settledHitReaderOf,
} from "./settled-hit.js";
import { TieredPublisher } from "./tiered-publisher.js";
import { assertCacheKey, ttlToMilliseconds } from "./validation.js";
import { frozenCopyOfCachedApiKey } from "./value-codec.js";

/** Options of {@link TieredApiKeyCacheBackend}. */
export interface TieredApiKeyCacheBackendOptions<V extends CachedApiKey = CachedApiKey> {
  /**
   * L1: an in-process store whose writes take effect when called (an
   * `InMemoryApiKeyCacheBackend`: its `maxEntries` bounds records and tombstones in L1, its
   * `maxNegativeEntries` the not-found markers apart, so a flood of unknown keys cannot evict
   * valid ones; a tombstone evicted from L1 is read again from L2). Owned: closed by `close()`.
   */
  local: ApiKeyCacheBackend<V>;
  /**
   * L2: the shared store, the source of truth of the cache. Owned: closed by `close()`. Give it
   * `getWithTtl` (every backend of this project has it) so L1 copies read from it expire with
   * the L2 entry; without it they live `localTtlSeconds` whatever the entry has left.
   */
  remote: ApiKeyCacheBackend<V>;
  /** Carries invalidations between the processes sharing `remote`. Owned: closed by `close()`. */
  bus: InvalidationBus;
  /**
   * Longest life of an L1 copy, in seconds; also the bound on staleness when a bus message is
   * lost (`maxStalenessMs`). @default 5
   */
  localTtlSeconds?: number;
  /** @default defaultLogger */
  logger?: ApiKeyCacheLogger;
  /** Monotonic clock in ms, for L1 fill lifetimes. @default performance.now */
  now?: () => number;
}

/** First and longest delay between attempts to subscribe to the bus, in ms. */
const SUBSCRIBE_RETRY_MIN_MS = 100;
const SUBSCRIBE_RETRY_MAX_MS = 30_000;

/**
 * L1/L2 cache with pub/sub invalidation: memory-speed hits, and a write in one process reaches
 * the L1 of every other within the bus latency (never later than `localTtlSeconds`).
 *
 * A write resolves once L2 acknowledged it; its publish is started then but never awaited: a
 * publish that fails is logged and retried, never thrown (the write itself succeeded), and
 * this process bypasses its L1 until a retry goes through (a failing publisher is a sign the
 * bus may be missing messages too). Other processes' L1 copies expire within
 * `localTtlSeconds` anyway.
 *
 * An L1 copy never outlives the L2 entry it copies: a read fills L1 until its send time plus
 * the smaller of `localTtlSeconds` and the entry's remaining L2 TTL (from L2's `getWithTtl`).
 * Over an L2 without `getWithTtl` that TTL is unknown, so a copy read from L2 may outlive an
 * entry that expires in L2 (not one that is replaced or deleted through a tiered backend) by up
 * to `localTtlSeconds`.
 *
 * L1 misses of one key that overlap share one L2 read: a caller joins a read in flight only if
 * no write, delete, clear, bus message or disconnect has touched the key since it was sent,
 * and gets the (deep-frozen) reply.
 */
export class TieredApiKeyCacheBackend<V extends CachedApiKey = CachedApiKey>
  implements ApiKeyCacheBackend<V>
{
  /** `localTtlSeconds × 1000`: how long another process may still serve a replaced value. */
  readonly maxStalenessMs: number;
  /** Longest life of an L1 copy, in seconds. */
  readonly localTtlSeconds: number;
  readonly #localTtlMs: number;
  readonly #local: ApiKeyCacheBackend<V>;
  readonly #remote: ApiKeyCacheBackend<V>;
  readonly #bus: InvalidationBus;
  readonly #logger: ApiKeyCacheLogger;
  readonly #now: () => number;
  readonly #generations = new GenerationTable();
  readonly #remoteReads = new RemoteReadFlights<CachedApiKeyWithTtl<V> | undefined>(
    this.#generations,
  );
  /** L2's `getWithTtl`, bound, when it has one. */
  readonly #remoteGetWithTtl:
    | ((cacheKey: string) => Promise<CachedApiKeyWithTtl<V> | undefined>)
    | undefined;
  /**
   * When L1 can be read synchronously (it has `peek`): an L1 hit with its settled promise, or
   * `undefined` on a miss, in one lookup (the memory backend's own entry), so `get` answers a
   * hit with no continuation of its own.
   */
  readonly #localHit: SettledHitReader<V> | undefined;
  /** True while the bus subscription is confirmed and publishes go through: only then is L1 used. */
  #l1Enabled = false;
  /** True while the bus subscription is confirmed (`ready()` seen, no `disconnected()` since). */
  #subscribed = false;
  readonly #publisher: TieredPublisher;
  #closed = false;
  #closing: Promise<void> | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #onLocalError = (error: unknown): void => {
    this.#logger.debug("TieredApiKeyCacheBackend: L1 operation failed", error);
  };

  constructor(options: TieredApiKeyCacheBackendOptions<V>) {
    const owner = "TieredApiKeyCacheBackend";
    if (typeof options !== "object" || options === null) {
      throw new ApiKeyCacheError("E_CONFIG", `${owner}: options { local, remote, bus } required`);
    }
    for (const part of ["local", "remote", "bus"] as const) {
      if (typeof options[part] !== "object" || options[part] === null) {
        throw new ApiKeyCacheError("E_CONFIG", `${owner}: ${part} is required`);
      }
    }
    const localTtlSeconds = options.localTtlSeconds ?? 5;
    if (
      typeof localTtlSeconds !== "number" ||
      !Number.isFinite(localTtlSeconds) ||
      localTtlSeconds <= 0
    ) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${owner}: localTtlSeconds must be a finite number > 0, got ${String(localTtlSeconds)}`,
      );
    }
    this.localTtlSeconds = localTtlSeconds;
    this.#localTtlMs = localTtlSeconds * 1000;
    this.maxStalenessMs = this.#localTtlMs;
    this.#local = options.local;
    this.#remote = options.remote;
    this.#bus = options.bus;
    this.#logger = options.logger ?? defaultLogger;
    this.#now = options.now ?? (() => performance.now());
    this.#publisher = new TieredPublisher(this.#bus, this.#logger, this.#localTtlMs, this.#now, {
      suspect: () => this.#onPublishSuspect(),
      confirmed: () => this.#onPublishConfirmed(),
    });
    const remote = options.remote;
    if (typeof remote.getWithTtl === "function") {
      this.#remoteGetWithTtl = remote.getWithTtl.bind(remote);
      this.getWithTtl = (cacheKey) => this.#getWithTtl(cacheKey);
    }
    const local = options.local;
    if (typeof local.peek === "function") {
      const peekLocal = local.peek.bind(local);
      const localHit: SettledHitReader<V> =
        settledHitReaderOf<V>(local) ??
        ((cacheKey) => {
          const value = peekLocal(cacheKey);
          return value === undefined ? undefined : { value, resolved: Promise.resolve(value) };
        });
      this.#localHit = localHit;
      this.peek = (cacheKey) => this.#peek(peekLocal, cacheKey);
      // For the resolver (core-internal): `peek` with the settled promise of the hit.
      registerSettledHitReader<V>(this, (cacheKey) => this.#peekHit(localHit, cacheKey));
    }
    if (typeof remote.replaceIfUnchanged === "function") {
      const replace = remote.replaceIfUnchanged.bind(remote);
      this.replaceIfUnchanged = (cacheKey, expected, value, ttlSeconds) =>
        this.#replaceIfUnchanged(replace, cacheKey, expected, value, ttlSeconds);
    }
    this.#subscribe(0);
  }

  /**
   * The entry and how long this backend may still serve it, in ms: an L1 hit gives its copy's
   * remaining life (never more than L2's), a miss what L2 says. Present only when L2 has
   * `getWithTtl` (otherwise the remaining TTL of an entry read from L2 is unknown).
   */
  declare readonly getWithTtl?: (cacheKey: string) => Promise<CachedApiKeyWithTtl<V> | undefined>;

  /**
   * The L1 copy `get` would answer with, synchronously; `undefined` when there is none, or when
   * L1 is off (bus not confirmed): then only `get` can answer. Present only when L1 has `peek`.
   * @throws ApiKeyCacheError `E_CLOSED` after `close()`; L1's own errors (a bad key).
   */
  declare readonly peek?: (cacheKey: string) => V | undefined;

  /**
   * Compare-and-set, decided by L2 alone (L1 copies may be stale). Present only when L2 has
   * `replaceIfUnchanged`. A replacement fills L1 under the usual generation rule and is
   * published like a `set`; a refusal drops this process's L1 copy, which may be the outdated
   * `expected`.
   */
  declare readonly replaceIfUnchanged?: (
    cacheKey: string,
    expected: V,
    value: V,
    ttlSeconds: number,
  ) => Promise<boolean>;

  /**
   * True while L1 is in use: the bus subscription is confirmed and not lost since, and no
   * publish is waiting for a retry.
   */
  get l1Enabled(): boolean {
    return this.#l1Enabled;
  }

  /** Publishes that failed (first attempts and retries); each was logged and retried. */
  get publishFailures(): number {
    return this.#publisher.failures;
  }

  /** Keys with an L2 read in flight (diagnostics and tests); 0 once every read has settled. */
  get remoteReadsInFlight(): number {
    return this.#remoteReads.size;
  }

  get(cacheKey: string): Promise<V | undefined> {
    if (this.#closed) return Promise.reject(closedError());
    if (!this.#l1Enabled) return this.#readThroughValue(cacheKey);
    const localHit = this.#localHit;
    if (localHit === undefined) {
      // One L1 promise and one continuation, no async frame of our own.
      return this.#local
        .get(cacheKey)
        .then((hit) => (hit !== undefined ? hit : this.#readThroughValue(cacheKey)));
    }
    // The hot path: one synchronous L1 lookup; a hit is answered with its settled promise.
    let hit: SettledHit<V> | undefined;
    try {
      hit = localHit(cacheKey);
    } catch (error) {
      return Promise.reject(error);
    }
    return hit !== undefined ? hit.resolved : this.#readThroughValue(cacheKey);
  }

  /** `peek`: L1 only, and only while L1 is in use, exactly as `get` reads it. */
  #peek(peekLocal: (cacheKey: string) => V | undefined, cacheKey: string): V | undefined {
    if (this.#closed) throw closedError();
    if (this.#l1Enabled) return peekLocal(cacheKey);
    // No answer, but bad input is refused as L1 would refuse it.
    assertCacheKey(cacheKey);
    return undefined;
  }

  /** {@link #peek} with the hit's settled promise (the settled-hit reader of this backend). */
  #peekHit(localHit: SettledHitReader<V>, cacheKey: string): SettledHit<V> | undefined {
    if (this.#closed) throw closedError();
    if (this.#l1Enabled) return localHit(cacheKey);
    assertCacheKey(cacheKey);
    return undefined;
  }

  #getWithTtl(cacheKey: string): Promise<CachedApiKeyWithTtl<V> | undefined> {
    if (this.#closed) return Promise.reject(closedError());
    const local = this.#local;
    if (!this.#l1Enabled || local.getWithTtl === undefined) return this.#readThrough(cacheKey);
    return local
      .getWithTtl(cacheKey)
      .then((hit) => (hit !== undefined ? hit : this.#readThrough(cacheKey)));
  }

  async #readThroughValue(cacheKey: string): Promise<V | undefined> {
    return (await this.#readThrough(cacheKey))?.value;
  }

  /**
   * An L1 miss: share the L2 read of this key in flight if nothing invalidated the key since it
   * was sent, else send one. A caller that joins is answered as if from the L1 copy that read
   * fills: the read was sent less than `localTtlSeconds` before it arrived, and an entry whose
   * L2 TTL (counted from the send time) may have run out before it arrived is read again.
   */
  #readThrough(cacheKey: string): Promise<CachedApiKeyWithTtl<V> | undefined> {
    const now = this.#now();
    const flight = this.#remoteReads.joinable(cacheKey, now, this.#localTtlMs);
    if (flight === undefined) return this.#sendRemoteRead(cacheKey, now);
    return flight.reply.then((entry) => {
      if (entry === undefined) return undefined;
      if (now - flight.sentAt >= entry.ttlMs) return this.#sendRemoteRead(cacheKey, this.#now());
      // Values are deep-frozen, so sharing the reply is safe; one from an L2 that does not
      // freeze (against the protocol) is copied and frozen instead.
      const value = Object.isFrozen(entry.value)
        ? entry.value
        : frozenCopyOfCachedApiKey(entry.value);
      return { value, ttlMs: entry.ttlMs };
    });
  }

  #sendRemoteRead(cacheKey: string, sentAt: number): Promise<CachedApiKeyWithTtl<V> | undefined> {
    return this.#remoteReads.send(cacheKey, sentAt, (flight) => this.#readRemote(cacheKey, flight));
  }

  /**
   * Ask L2, and fill L1 only if nothing changed the key since the read was sent. The fill lives
   * no longer than the entry's remaining L2 TTL, counted from the send time (L2 measured it
   * later, so the copy expires no later than the entry). An L2 without `getWithTtl` cannot tell
   * that TTL: its entries are given `localTtlSeconds`.
   */
  async #readRemote(
    cacheKey: string,
    flight: RemoteRead<CachedApiKeyWithTtl<V> | undefined>,
  ): Promise<CachedApiKeyWithTtl<V> | undefined> {
    let entry: CachedApiKeyWithTtl<V> | undefined;
    if (this.#remoteGetWithTtl !== undefined) {
      entry = await this.#remoteGetWithTtl(cacheKey);
    } else {
      const value = await this.#remote.get(cacheKey);
      entry = value === undefined ? undefined : { value, ttlMs: this.#localTtlMs };
    }
    if (entry !== undefined && this.#generations.unchanged(flight.mark)) {
      this.#fill(cacheKey, entry.value, flight.sentAt, entry.ttlMs);
    }
    return entry;
  }

  async set(cacheKey: string, value: V, ttlSeconds: number): Promise<void> {
    if (this.#closed) throw closedError();
    const mark = this.#generations.mark(cacheKey);
    const sentAt = this.#now();
    try {
      await this.#remote.set(cacheKey, value, ttlSeconds);
      // A peer's message that arrived first may announce a later write: then drop, not fill.
      // L2 accepted the TTL, so it is valid; 0 means nothing was stored.
      const ttlMs = ttlToMilliseconds(ttlSeconds);
      if (ttlMs > 0 && this.#generations.unchanged(mark)) {
        this.#fill(cacheKey, value, sentAt, ttlMs);
      } else {
        this.#local.delete(cacheKey).catch(this.#onLocalError);
      }
      // Reads of this key already in flight may carry the old value.
      this.#generations.bumpKey(cacheKey);
    } finally {
      this.#generations.release(mark);
    }
    this.#publish({ op: "set", key: cacheKey });
  }

  async setIfAbsent(cacheKey: string, value: V, ttlSeconds: number): Promise<boolean> {
    if (this.#closed) throw closedError();
    const mark = this.#generations.mark(cacheKey);
    const sentAt = this.#now();
    let stored: boolean;
    try {
      stored = await this.#remote.setIfAbsent(cacheKey, value, ttlSeconds);
      if (stored) {
        if (this.#generations.unchanged(mark)) {
          this.#fill(cacheKey, value, sentAt, ttlToMilliseconds(ttlSeconds));
        }
        // Reads of this key already in flight may carry an entry that expired in L2 meanwhile.
        this.#generations.bumpKey(cacheKey);
      }
      // Not stored: L2 did not change, so an L1 copy (if any) stays valid under the usual rules.
    } finally {
      this.#generations.release(mark);
    }
    // Other processes may hold an L1 copy of an entry that expired in L2 meanwhile.
    if (stored) this.#publish({ op: "set", key: cacheKey });
    return stored;
  }

  async #replaceIfUnchanged(
    replace: NonNullable<ApiKeyCacheBackend<V>["replaceIfUnchanged"]>,
    cacheKey: string,
    expected: V,
    value: V,
    ttlSeconds: number,
  ): Promise<boolean> {
    if (this.#closed) throw closedError();
    const mark = this.#generations.mark(cacheKey);
    const sentAt = this.#now();
    let replaced: boolean;
    try {
      replaced = await replace(cacheKey, expected, value, ttlSeconds);
      if (replaced && this.#generations.unchanged(mark)) {
        this.#fill(cacheKey, value, sentAt, ttlToMilliseconds(ttlSeconds));
      } else {
        this.#local.delete(cacheKey).catch(this.#onLocalError);
      }
      if (replaced) this.#generations.bumpKey(cacheKey);
    } finally {
      this.#generations.release(mark);
    }
    if (replaced) this.#publish({ op: "set", key: cacheKey });
    return replaced;
  }

  /**
   * Store if absent and return what L2 held. Uses L2's `setIfAbsentGet` when it has one, else
   * `setIfAbsent` then `getWithTtl` (or `get`); if the entry vanishes between the two,
   * `undefined` is returned although nothing was stored. An entry found there fills L1 only
   * when its remaining TTL came with it (`getWithTtl`): `SET NX GET` does not tell it, and a
   * copy given `localTtlSeconds` could outlive the entry; the next `get` fills L1 instead.
   */
  async setIfAbsentGet(cacheKey: string, value: V, ttlSeconds: number): Promise<V | undefined> {
    if (this.#closed) throw closedError();
    const remote = this.#remote;
    const mark = this.#generations.mark(cacheKey);
    const sentAt = this.#now();
    let existing: V | undefined;
    let stored = false;
    try {
      if (remote.setIfAbsentGet !== undefined) {
        existing = await remote.setIfAbsentGet(cacheKey, value, ttlSeconds);
        stored = existing === undefined;
      } else if (await remote.setIfAbsent(cacheKey, value, ttlSeconds)) {
        stored = true;
      } else if (this.#remoteGetWithTtl !== undefined) {
        const entry = await this.#remoteGetWithTtl(cacheKey);
        existing = entry?.value;
        if (entry !== undefined && this.#generations.unchanged(mark)) {
          this.#fill(cacheKey, entry.value, sentAt, entry.ttlMs);
        }
      } else {
        existing = await remote.get(cacheKey);
      }
      // L2 accepted the TTL, so it is valid; 0 means nothing was stored.
      const ttlMs = ttlToMilliseconds(ttlSeconds);
      if (ttlMs === 0) stored = false;
      if (stored) {
        if (this.#generations.unchanged(mark)) this.#fill(cacheKey, value, sentAt, ttlMs);
        this.#generations.bumpKey(cacheKey);
      }
    } finally {
      this.#generations.release(mark);
    }
    if (stored) this.#publish({ op: "set", key: cacheKey });
    return existing;
  }

  async delete(cacheKey: string): Promise<void> {
    if (this.#closed) throw closedError();
    await this.#remote.delete(cacheKey);
    this.#generations.bumpKey(cacheKey);
    this.#local.delete(cacheKey).catch(this.#onLocalError);
    this.#publish({ op: "delete", key: cacheKey });
  }

  async clear(): Promise<void> {
    if (this.#closed) throw closedError();
    await this.#remote.clear();
    this.#generations.bumpAll();
    this.#local.clear().catch(this.#onLocalError);
    this.#publish({ op: "clear" });
  }

  /** Unsubscribe and close the bus, L2 and L1. Idempotent; later calls reject with `E_CLOSED`. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    this.#l1Enabled = false;
    this.#publisher.close();
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#closing = this.#closeParts();
    return this.#closing;
  }

  async #closeParts(): Promise<void> {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    const results = await Promise.allSettled([
      (async () => {
        if (unsubscribe !== undefined) await unsubscribe();
        await this.#bus.close();
      })(),
      this.#remote.close(),
      this.#local.close(),
    ]);
    const failure = results.find((result) => result.status === "rejected");
    if (failure !== undefined) throw failure.reason;
  }

  /**
   * Copy `value` into L1 until `sentAt + min(lifetimeMs, localTtl)`: counted from when the L2
   * call was sent, so a slow reply cannot stretch the staleness bound, and rounded down to the
   * millisecond, so the copy never outlives `lifetimeMs`. Skipped while L1 is off.
   */
  #fill(cacheKey: string, value: V, sentAt: number, lifetimeMs: number): void {
    if (!this.#l1Enabled) return;
    const remainingMs = Math.floor(sentAt + Math.min(lifetimeMs, this.#localTtlMs) - this.#now());
    if (remainingMs <= 0) {
      this.#local.delete(cacheKey).catch(this.#onLocalError);
      return;
    }
    this.#local.set(cacheKey, value, remainingMs / 1000).catch(this.#onLocalError);
  }

  /** Started now, never awaited: the write it follows is acknowledged and stays so. */
  #publish(message: InvalidationMessage): void {
    this.#publisher.publish(message);
  }

  #onPublishSuspect(): void {
    if (this.#closed) return;
    this.#l1Enabled = false;
    this.#generations.bumpAll();
    this.#local.clear().catch(this.#onLocalError);
  }

  #onPublishConfirmed(): void {
    if (this.#closed || !this.#subscribed) return;
    this.#generations.bumpAll();
    this.#local.clear().catch(this.#onLocalError);
    this.#l1Enabled = true;
  }

  #onMessage(message: InvalidationMessage): void {
    if (this.#closed) return;
    if (message.op === "clear" || message.key === undefined) {
      this.#generations.bumpAll();
      this.#local.clear().catch(this.#onLocalError);
      return;
    }
    this.#generations.bumpKey(message.key);
    this.#local.delete(message.key).catch(this.#onLocalError);
  }

  #onReady(): void {
    if (this.#closed) return;
    // Reads sent before this point may carry values whose invalidation was missed.
    this.#generations.bumpAll();
    this.#local.clear().catch(this.#onLocalError);
    this.#subscribed = true;
    this.#l1Enabled = this.#publisher.healthy;
    if (busChannel.hasSubscribers) busChannel.publish({ state: "ready" });
  }

  #onDisconnected(): void {
    if (this.#closed) return;
    this.#subscribed = false;
    this.#l1Enabled = false;
    this.#generations.bumpAll();
    this.#local.clear().catch(this.#onLocalError);
    if (busChannel.hasSubscribers) busChannel.publish({ state: "disconnected" });
    this.#logger.warn(
      "TieredApiKeyCacheBackend: invalidation bus disconnected; L1 is off until it resubscribes",
    );
  }

  /** Subscribe in the background; on failure retry with capped backoff until closed. */
  #subscribe(attempt: number): void {
    this.#retryTimer = undefined;
    if (this.#closed) return;
    let subscribed: Promise<() => Promise<void>>;
    try {
      subscribed = this.#bus.subscribe({
        message: (message) => this.#onMessage(message),
        ready: () => this.#onReady(),
        disconnected: () => this.#onDisconnected(),
      });
    } catch (error) {
      subscribed = Promise.reject(error);
    }
    subscribed.then(
      (unsubscribe) => {
        if (this.#closed) unsubscribe().catch(this.#onLocalError);
        else this.#unsubscribe = unsubscribe;
      },
      (error: unknown) => {
        if (this.#closed) return;
        const delayMs = Math.min(SUBSCRIBE_RETRY_MAX_MS, SUBSCRIBE_RETRY_MIN_MS * 2 ** attempt);
        this.#logger.warn(
          `TieredApiKeyCacheBackend: subscribing to the invalidation bus failed; L1 stays off, retrying in ${delayMs} ms`,
          error,
        );
        this.#retryTimer = setTimeout(() => this.#subscribe(attempt + 1), delayMs);
        this.#retryTimer.unref();
      },
    );
  }
}

function closedError(): ApiKeyCacheError {
  return new ApiKeyCacheError("E_CLOSED", "TieredApiKeyCacheBackend is closed");
}
