/**
 * The tiered backend: a short-lived in-process L1 in front of a shared L2 (Redis), kept honest
 * by an invalidation bus. L2 is the truth. The tricky point is never letting L1 hold a value
 * L2 no longer has: an L2 reply may fill L1 only if no write, bus message or disconnect touched
 * its key since the read was sent (generations), L1 is off while the bus may be missing
 * messages, and every fill expires `localTtlSeconds` after its read was sent.
 */
import type { ApiKeyCacheBackend, CachedApiKey } from "./backend.js";
import { ApiKeyCacheError } from "./errors.js";
import { GenerationTable } from "./generation-table.js";
import type { InvalidationBus, InvalidationMessage } from "./invalidation-bus.js";
import { type ApiKeyCacheLogger, defaultLogger } from "./logger.js";

/** Options of {@link TieredApiKeyCacheBackend}. */
export interface TieredApiKeyCacheBackendOptions<V extends CachedApiKey = CachedApiKey> {
  /**
   * L1: an in-process store whose writes take effect when called (an
   * `InMemoryApiKeyCacheBackend`; its `maxEntries` bounds L1). Owned: closed by `close()`.
   */
  local: ApiKeyCacheBackend<V>;
  /** L2: the shared store, the source of truth of the cache. Owned: closed by `close()`. */
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
 * A publish that fails after L2 was written is logged, not thrown: the write itself succeeded,
 * and other processes' L1 copies expire within `localTtlSeconds` anyway.
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
  /** True while the bus subscription is confirmed: only then is L1 read or filled. */
  #l1Enabled = false;
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
    this.#subscribe(0);
  }

  /** True while L1 is in use (the bus subscription is confirmed and not lost since). */
  get l1Enabled(): boolean {
    return this.#l1Enabled;
  }

  get(cacheKey: string): Promise<V | undefined> {
    if (this.#closed) return Promise.reject(closedError());
    if (!this.#l1Enabled) return this.#readThrough(cacheKey);
    // The hot path: one L1 promise and one continuation, no async frame of our own.
    return this.#local
      .get(cacheKey)
      .then((hit) => (hit !== undefined ? hit : this.#readThrough(cacheKey)));
  }

  /** An L1 miss: ask L2, and fill L1 only if nothing changed the key meanwhile. */
  async #readThrough(cacheKey: string): Promise<V | undefined> {
    const mark = this.#generations.mark(cacheKey);
    const sentAt = this.#now();
    try {
      const value = await this.#remote.get(cacheKey);
      if (value !== undefined && this.#generations.unchanged(mark)) {
        this.#fill(cacheKey, value, sentAt, this.#localTtlMs);
      }
      return value;
    } finally {
      this.#generations.release(mark);
    }
  }

  async set(cacheKey: string, value: V, ttlSeconds: number): Promise<void> {
    if (this.#closed) throw closedError();
    const mark = this.#generations.mark(cacheKey);
    const sentAt = this.#now();
    try {
      await this.#remote.set(cacheKey, value, ttlSeconds);
      // A peer's message that arrived first may announce a later write: then drop, not fill.
      if (ttlSeconds > 0 && this.#generations.unchanged(mark)) {
        this.#fill(cacheKey, value, sentAt, ttlSeconds * 1000);
      } else {
        this.#local.delete(cacheKey).catch(this.#onLocalError);
      }
      // Reads of this key already in flight may carry the old value.
      this.#generations.bumpKey(cacheKey);
    } finally {
      this.#generations.release(mark);
    }
    await this.#publish({ op: "set", key: cacheKey });
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
          this.#fill(cacheKey, value, sentAt, ttlSeconds * 1000);
        }
        // Reads of this key already in flight may carry an entry that expired in L2 meanwhile.
        this.#generations.bumpKey(cacheKey);
      }
      // Not stored: L2 did not change, so an L1 copy (if any) stays valid under the usual rules.
    } finally {
      this.#generations.release(mark);
    }
    // Other processes may hold an L1 copy of an entry that expired in L2 meanwhile.
    if (stored) await this.#publish({ op: "set", key: cacheKey });
    return stored;
  }

  /**
   * Store if absent and return what L2 held. Uses L2's `setIfAbsentGet` when it has one, else
   * `setIfAbsent` then `get` (if the entry vanishes between the two, `undefined` is returned
   * although nothing was stored).
   */
  async setIfAbsentGet(cacheKey: string, value: V, ttlSeconds: number): Promise<V | undefined> {
    if (this.#closed) throw closedError();
    const remote = this.#remote;
    const mark = this.#generations.mark(cacheKey);
    const sentAt = this.#now();
    let existing: V | undefined;
    let stored = ttlSeconds > 0;
    try {
      if (remote.setIfAbsentGet !== undefined) {
        existing = await remote.setIfAbsentGet(cacheKey, value, ttlSeconds);
      } else if (!(await remote.setIfAbsent(cacheKey, value, ttlSeconds))) {
        stored = false;
        existing = await remote.get(cacheKey);
      }
      if (existing !== undefined) stored = false;
      // Fill L1 with what L2 now holds, unless something changed the key meanwhile.
      if (existing === undefined) {
        if (stored && this.#generations.unchanged(mark)) {
          this.#fill(cacheKey, value, sentAt, ttlSeconds * 1000);
        }
      } else if (this.#l1Enabled) {
        // An L1 copy of the same entry is kept: its expiry is known to be no later than L2's,
        // whereas a fresh fill can only be given localTtlSeconds.
        const held = await this.#local.get(cacheKey).catch(() => undefined);
        if (this.#generations.unchanged(mark) && !sameEntry(held, existing)) {
          this.#fill(cacheKey, existing, sentAt, this.#localTtlMs);
        }
      }
      if (stored) this.#generations.bumpKey(cacheKey);
    } finally {
      this.#generations.release(mark);
    }
    if (stored) await this.#publish({ op: "set", key: cacheKey });
    return existing;
  }

  async delete(cacheKey: string): Promise<void> {
    if (this.#closed) throw closedError();
    await this.#remote.delete(cacheKey);
    this.#generations.bumpKey(cacheKey);
    this.#local.delete(cacheKey).catch(this.#onLocalError);
    await this.#publish({ op: "delete", key: cacheKey });
  }

  async clear(): Promise<void> {
    if (this.#closed) throw closedError();
    await this.#remote.clear();
    this.#generations.bumpAll();
    this.#local.clear().catch(this.#onLocalError);
    await this.#publish({ op: "clear" });
  }

  /** Unsubscribe and close the bus, L2 and L1. Idempotent; later calls reject with `E_CLOSED`. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    this.#l1Enabled = false;
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
   * call was sent, so a slow reply cannot stretch the staleness bound. Skipped while L1 is off.
   */
  #fill(cacheKey: string, value: V, sentAt: number, lifetimeMs: number): void {
    if (!this.#l1Enabled) return;
    const remainingMs = sentAt + Math.min(lifetimeMs, this.#localTtlMs) - this.#now();
    if (remainingMs <= 0) {
      this.#local.delete(cacheKey).catch(this.#onLocalError);
      return;
    }
    this.#local.set(cacheKey, value, remainingMs / 1000).catch(this.#onLocalError);
  }

  async #publish(message: InvalidationMessage): Promise<void> {
    try {
      await this.#bus.publish(message);
    } catch (error) {
      // L2 already has the write; other processes' L1 copies expire within localTtlSeconds.
      this.#logger.warn(
        `TieredApiKeyCacheBackend: publishing "${message.op}" failed; other processes may serve their L1 copy for up to ${this.localTtlSeconds} s`,
        error,
      );
    }
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
    this.#l1Enabled = true;
  }

  #onDisconnected(): void {
    if (this.#closed) return;
    this.#l1Enabled = false;
    this.#generations.bumpAll();
    this.#local.clear().catch(this.#onLocalError);
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

function sameEntry(a: CachedApiKey | undefined, b: CachedApiKey): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function closedError(): ApiKeyCacheError {
  return new ApiKeyCacheError("E_CLOSED", "TieredApiKeyCacheBackend is closed");
}
