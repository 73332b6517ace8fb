/**
 * The read-through resolver: plaintext key → hash → cache → loader, with single flight, a
 * negative cache, deadlines, a circuit breaker and race-free revocation. The tricky point is
 * revocation: loads are written with `setIfAbsent` and the stored entry wins, while `revoke`
 * overwrites with a tombstone via `set`, so a load that read "active" before the revoke can
 * never replace the tombstone; and `revoke` detaches the in-process flight, so no resolve that
 * starts after it can join a load that started before it.
 */
import type { ApiKeyCacheBackend, CachedApiKey } from "./backend.js";
import {
  CIRCUIT_SKIP,
  CircuitBreaker,
  type CircuitState,
  type CircuitTicket,
} from "./circuit-breaker.js";
import { ApiKeyCacheError, isApiKeyCacheError } from "./errors.js";
import { DeadlineQueue } from "./redis/deadline-queue.js";
import {
  type ApiKeyResolverOptions,
  type ResolvedResolverOptions,
  resolveResolverOptions,
} from "./resolver-options.js";
import { type FlightToken, SingleFlight } from "./single-flight.js";
import {
  isNotFoundMarker,
  NOT_FOUND_MARKER,
  REVOKED_MARKER,
  type StoredMarker,
} from "./stored-markers.js";
import { assertCacheKey } from "./validation.js";
import { encodeCachedApiKey } from "./value-codec.js";

/** Counters of one resolver since it was created. */
export interface ApiKeyResolverStats {
  /** Lookups answered from the cache with a record (tombstones included). */
  hits: number;
  /** Lookups whose cache read found nothing (they went to the loader). */
  misses: number;
  /** Lookups answered from the cache with the not-found marker. */
  negativeHits: number;
  /** Lookups that skipped the cache (error, timeout, or open circuit) and went to the loader. */
  bypasses: number;
  /** Loader calls made (one per key per single flight). */
  loads: number;
  /** Loads that threw, returned an invalid record, or missed `loadTimeoutMs`. */
  loadErrors: number;
  /** Cache calls that rejected (timeouts not included). */
  backendErrors: number;
  /** Cache reads and load write-backs abandoned at `timeoutMs`, and revoke/invalidate writes at `writeTimeoutMs`. */
  timeouts: number;
  /**
   * The part of `timeouts` whose deadline fired late because the event loop was blocked (a GC
   * pause, synchronous work): they say nothing about the cache, so the breaker ignores them.
   */
  lateTimeouts: number;
  /** The circuit breaker in front of the cache. */
  circuit: CircuitState;
  /** Times the circuit opened (from closed; a failed probe reopening it does not count). */
  circuitOpens: number;
}

/** Options of {@link ApiKeyResolver.revoke}. */
export interface RevokeOptions {
  /**
   * Also wait the backend's `maxStalenessMs` (tiered: `localTtlSeconds`), after which no
   * process sharing the store can still serve the key from its local copy. @default false
   */
  wait?: boolean;
}

/** Resolves API keys through a cache; see `createApiKeyResolver`. */
export interface ApiKeyResolver<V extends CachedApiKey = CachedApiKey> {
  /**
   * The record of a plaintext key, or `undefined` if the key is unknown (or empty, or longer
   * than `maxKeyLength`). Accept a request only if `result?.active === true`: a revoked key
   * gives the inactive tombstone, and a record past its `expiresAt` is returned inactive.
   * Rejects only when the loader must be asked and fails (its error) or misses
   * `loadTimeoutMs` (`E_LOAD_TIMEOUT`); the cache being down never fails a lookup.
   */
  resolve(plaintextKey: string): Promise<V | StoredMarker | undefined>;
  /**
   * Write a tombstone for `keyHash` (call it after the database shows the key revoked).
   * Never bypassed: rejects (`E_BACKEND_UNAVAILABLE`) unless the store acknowledged it.
   */
  revoke(keyHash: string, options?: RevokeOptions): Promise<void>;
  /** Delete the cached entry so the next lookup reloads it (re-enabled or newly created keys). */
  invalidate(keyHash: string): Promise<void>;
  /** A snapshot of the counters. */
  stats(): ApiKeyResolverStats;
}

/** Marks a cache read that did not happen or did not answer in time. */
const BYPASSED: unique symbol = Symbol("bypassed");

/** A cache call that missed its deadline (told apart from the store's own errors for stats). */
class CacheTimeoutError extends ApiKeyCacheError {
  /** > 0 when the deadline fired this late because the event loop was blocked. */
  readonly lateByMs: number;
  constructor(operation: string, timeoutMs: number, lateByMs: number) {
    super(
      "E_BACKEND_UNAVAILABLE",
      lateByMs > 0
        ? `API-key cache ${operation} timed out after ${timeoutMs} ms (the event loop was blocked: the deadline fired ${Math.round(lateByMs)} ms late)`
        : `API-key cache ${operation} timed out after ${timeoutMs} ms`,
    );
    this.lateByMs = lateByMs;
  }
}

/** True when a record carries an `expiresAt` (epoch ms) that has passed. */
function isPastExpiry(record: CachedApiKey): boolean {
  const expiresAt = record.expiresAt;
  return typeof expiresAt === "number" && expiresAt <= Date.now();
}

/** A record past its `expiresAt`, made inactive (a copy: the input is left alone). */
function deactivated<V extends CachedApiKey>(record: V): V {
  return { ...record, active: false };
}

/**
 * Wait until at least `ms` have passed on the monotonic clock: a timer may fire up to a
 * millisecond early, which would open a gap in the `wait: true` guarantee.
 */
async function sleepAtLeast(ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  for (let left = ms; left > 0; left = deadline - performance.now()) {
    await new Promise<void>((resolve) => setTimeout(resolve, Math.ceil(left)));
  }
}

/** A short, non-secret tag of a key hash for log lines. */
function hashTag(keyHash: string): string {
  return keyHash.length > 12 ? `${keyHash.slice(0, 12)}…` : keyHash;
}

class CachingApiKeyResolver<V extends CachedApiKey> implements ApiKeyResolver<V> {
  readonly #options: ResolvedResolverOptions<V>;
  readonly #backend: ApiKeyCacheBackend<V>;
  readonly #breaker: CircuitBreaker;
  readonly #cacheDeadline: DeadlineQueue;
  readonly #loadDeadline: DeadlineQueue;
  readonly #writeDeadline: DeadlineQueue;
  readonly #flights = new SingleFlight<V | StoredMarker | undefined>();
  readonly #stats = {
    hits: 0,
    misses: 0,
    negativeHits: 0,
    bypasses: 0,
    loads: 0,
    loadErrors: 0,
    backendErrors: 0,
    timeouts: 0,
    lateTimeouts: 0,
  };
  #lastBackendError: unknown;

  constructor(options: ResolvedResolverOptions<V>) {
    this.#options = options;
    this.#backend = options.backend;
    const logger = options.logger;
    this.#breaker = new CircuitBreaker({
      failureThreshold: options.circuitFailureThreshold,
      failureSliceMs: options.circuitFailureSliceMs,
      windowMs: options.circuitWindowMs,
      probeDelayMs: options.circuitProbeMs,
      maxProbeDelayMs: options.circuitProbeMaxMs,
      onStateChange: (state, previous) => {
        // Failed probes reopen it: warn once per outage, not once per probe.
        if (state === "open" && previous === "closed") {
          logger.warn(
            `API-key cache circuit open: the cache is skipped and keys are loaded directly; probing it from ${options.circuitProbeMs} ms, backing off to every ${options.circuitProbeMaxMs} ms`,
            this.#lastBackendError,
          );
        } else if (state === "closed") {
          logger.info("API-key cache circuit closed: the cache answers again");
        }
      },
    });
    this.#cacheDeadline = new DeadlineQueue(
      options.timeoutMs,
      (ms, lateByMs) => new CacheTimeoutError("call", ms, lateByMs),
    );
    this.#loadDeadline = new DeadlineQueue(
      options.loadTimeoutMs,
      (ms) => new ApiKeyCacheError("E_LOAD_TIMEOUT", `API-key load timed out after ${ms} ms`),
    );
    this.#writeDeadline = new DeadlineQueue(
      options.writeTimeoutMs,
      (ms, lateByMs) => new CacheTimeoutError("write", ms, lateByMs),
    );
  }

  async resolve(plaintextKey: string): Promise<V | StoredMarker | undefined> {
    if (
      typeof plaintextKey !== "string" ||
      plaintextKey.length === 0 ||
      plaintextKey.length > this.#options.maxKeyLength
    ) {
      return undefined;
    }
    const keyHash = this.#options.hash(plaintextKey);
    if (typeof keyHash !== "string" || keyHash.length === 0) {
      throw new ApiKeyCacheError("E_CONFIG", "createApiKeyResolver: hash returned an empty value");
    }
    const cached = await this.#read(keyHash);
    if (cached !== BYPASSED) {
      if (cached !== undefined) {
        if (isNotFoundMarker(cached)) {
          this.#stats.negativeHits++;
          return undefined;
        }
        // A record past its expiresAt is treated as expired: reload it.
        if (!isPastExpiry(cached)) {
          this.#stats.hits++;
          return cached;
        }
      }
      this.#stats.misses++;
    } else {
      this.#stats.bypasses++;
    }
    const bypassed = cached === BYPASSED;
    return this.#flights.run(keyHash, (token) => this.#loadAndStore(keyHash, token, bypassed));
  }

  async revoke(keyHash: string, options: RevokeOptions = {}): Promise<void> {
    assertCacheKey(keyHash);
    // Before the write: a load that started earlier must not be joined by later resolves.
    this.#flights.drop(keyHash);
    await this.#write("revoke", keyHash, () =>
      this.#backend.set(
        keyHash,
        REVOKED_MARKER as CachedApiKey as V,
        this.#options.tombstoneTtlSeconds,
      ),
    );
    // And after it: a flight that started while the tombstone was on its way is dropped too.
    this.#flights.drop(keyHash);
    const stalenessMs = this.#backend.maxStalenessMs;
    if (options.wait === true && typeof stalenessMs === "number" && stalenessMs > 0) {
      await sleepAtLeast(stalenessMs);
    }
  }

  async invalidate(keyHash: string): Promise<void> {
    assertCacheKey(keyHash);
    this.#flights.drop(keyHash);
    await this.#write("invalidate", keyHash, () => this.#backend.delete(keyHash));
    this.#flights.drop(keyHash);
  }

  stats(): ApiKeyResolverStats {
    return { ...this.#stats, circuit: this.#breaker.state, circuitOpens: this.#breaker.opens };
  }

  /** The cache's answer, or {@link BYPASSED} if the cache is skipped, failing or too slow. */
  async #read(keyHash: string): Promise<V | undefined | typeof BYPASSED> {
    const ticket = this.#breaker.admit();
    if (ticket === CIRCUIT_SKIP) return BYPASSED;
    try {
      const value = await this.#cacheDeadline.run(this.#backend.get(keyHash));
      this.#breaker.success(ticket);
      return value;
    } catch (error) {
      this.#cacheFailed(ticket, error, "read", keyHash);
      return BYPASSED;
    }
  }

  /**
   * One flight: load, then write with setIfAbsent; an entry already stored wins. A flight
   * started by a caller that could not read the cache does not write either: the cache just
   * failed, and waiting for a second timeout would make the loader's answer late.
   */
  async #loadAndStore(
    keyHash: string,
    token: FlightToken,
    cacheBypassed: boolean,
  ): Promise<V | StoredMarker | undefined> {
    const options = this.#options;
    this.#stats.loads++;
    let loaded: V | undefined;
    try {
      // `null` is how many database clients say "no row": treat it as unknown.
      loaded = (await this.#loadDeadline.run(Promise.resolve(options.load(keyHash)))) ?? undefined;
      if (loaded !== undefined) encodeCachedApiKey(loaded);
    } catch (error) {
      this.#stats.loadErrors++;
      options.logger.debug(`API-key load failed for ${hashTag(keyHash)}`, error);
      throw error;
    }

    let result: V | undefined = loaded;
    let toStore: V;
    let ttlSeconds: number;
    if (loaded === undefined) {
      toStore = NOT_FOUND_MARKER as CachedApiKey as V;
      ttlSeconds = this.#jitter(options.negativeTtlSeconds);
    } else {
      const expiresAt = loaded.expiresAt;
      ttlSeconds = this.#jitter(options.ttlSeconds);
      if (typeof expiresAt === "number") {
        // Never cached past its own expiry; already expired means inactive and not cached.
        const remainingSeconds = (expiresAt - Date.now()) / 1000;
        if (remainingSeconds <= 0) return deactivated(loaded);
        ttlSeconds = Math.min(ttlSeconds, remainingSeconds);
      }
      toStore = loaded;
    }
    // Revoked or invalidated while loading: what was loaded may predate that, so do not write
    // it. The callers still waiting all started before the revoke and may get either answer.
    if (token.dropped || cacheBypassed || ttlSeconds <= 0) return result;

    const ticket = this.#breaker.admit();
    if (ticket === CIRCUIT_SKIP) return result;
    let stored: V | undefined;
    try {
      stored = await this.#cacheDeadline.run(this.#storeIfAbsent(keyHash, toStore, ttlSeconds));
      this.#breaker.success(ticket);
    } catch (error) {
      this.#cacheFailed(ticket, error, "write", keyHash);
      return result;
    }
    if (stored !== undefined) {
      // Someone wrote first (a tombstone, or another process's load): the stored entry wins.
      if (isNotFoundMarker(stored)) return undefined;
      result = isPastExpiry(stored) ? deactivated(stored) : stored;
    }
    return result;
  }

  /** What was already stored (and kept), or `undefined` if `value` was stored. */
  async #storeIfAbsent(keyHash: string, value: V, ttlSeconds: number): Promise<V | undefined> {
    const backend = this.#backend;
    if (backend.setIfAbsentGet !== undefined) {
      return backend.setIfAbsentGet(keyHash, value, ttlSeconds);
    }
    if (await backend.setIfAbsent(keyHash, value, ttlSeconds)) return undefined;
    // Not stored: read what is there (if it vanished meanwhile, the load's own answer stands).
    return backend.get(keyHash);
  }

  /** `revoke` and `invalidate`: never bypassed, bounded by `writeTimeoutMs`, typed errors. */
  async #write(operation: string, keyHash: string, work: () => Promise<void>): Promise<void> {
    try {
      await this.#writeDeadline.run(work());
    } catch (error) {
      if (error instanceof CacheTimeoutError) {
        this.#stats.timeouts++;
        if (error.lateByMs > 0) this.#stats.lateTimeouts++;
      } else {
        this.#stats.backendErrors++;
      }
      this.#options.logger.error(
        `API-key ${operation} of ${hashTag(keyHash)} was not acknowledged by the cache`,
        error,
      );
      if (isApiKeyCacheError(error)) throw error;
      throw new ApiKeyCacheError(
        "E_BACKEND_UNAVAILABLE",
        `API-key ${operation} failed: the cache did not acknowledge it; retry`,
        { cause: error },
      );
    }
  }

  #cacheFailed(ticket: CircuitTicket, error: unknown, operation: string, keyHash: string): void {
    const late = error instanceof CacheTimeoutError && error.lateByMs > 0;
    if (error instanceof CacheTimeoutError) this.#stats.timeouts++;
    else this.#stats.backendErrors++;
    if (late) this.#stats.lateTimeouts++;
    else this.#lastBackendError = error;
    this.#options.logger.debug(
      `API-key cache ${operation} failed for ${hashTag(keyHash)}; bypassing the cache`,
      error,
    );
    // A deadline that fired late measured the blocked event loop, not the cache.
    if (late) this.#breaker.inconclusive(ticket);
    else this.#breaker.failure(ticket);
  }

  #jitter(ttlSeconds: number): number {
    const jitter = this.#options.ttlJitter;
    return jitter === 0 ? ttlSeconds : ttlSeconds * (1 - jitter * Math.random());
  }
}

/**
 * A resolver for API keys: hashes the plaintext, reads the cache, and on a miss loads from the
 * source of truth once per key (single flight), caching the answer; unknown keys are cached as
 * "not found" for `negativeTtlSeconds`.
 *
 * @throws ApiKeyCacheError `E_CONFIG` for a bad option.
 */
export function createApiKeyResolver<V extends CachedApiKey = CachedApiKey>(
  options: ApiKeyResolverOptions<V>,
): ApiKeyResolver<V> {
  return new CachingApiKeyResolver(resolveResolverOptions(options));
}
