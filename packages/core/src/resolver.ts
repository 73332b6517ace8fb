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
  CIRCUIT_CALL,
  CIRCUIT_SKIP,
  CircuitBreaker,
  type CircuitState,
  type CircuitTicket,
} from "./circuit-breaker.js";
import {
  backendErrorChannel,
  circuitChannel,
  loadChannel,
  type ResolveOutcome,
  resolveChannel,
  revokeChannel,
} from "./diagnostics.js";
import { ApiKeyCacheError, isApiKeyCacheError } from "./errors.js";
import { freshUntilOf, withFreshUntil, withoutFreshUntil } from "./freshness.js";
import { hashApiKey, sha256Hex } from "./hash.js";
import { IntervalWarning } from "./interval-warning.js";
import { checkLoadedRecord } from "./loaded-record.js";
import { DeadlineQueue } from "./redis/deadline-queue.js";
import { RefreshAhead } from "./refresh-ahead.js";
import {
  type ApiKeyResolverOptions,
  type ResolvedResolverOptions,
  resolveResolverOptions,
} from "./resolver-options.js";
import { type SettledHit, type SettledHitReader, settledHitReaderOf } from "./settled-hit.js";
import { type FlightToken, SingleFlight } from "./single-flight.js";
import {
  isNotFoundMarker,
  NOT_FOUND_MARKER,
  REVOKED_MARKER,
  type StoredMarker,
} from "./stored-markers.js";
import { assertCacheKey, isWellFormedString } from "./validation.js";

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
  /** Lookups answered with a logically expired record because its reload failed (`staleIfErrorSeconds`). */
  staleServed: number;
  /** Background reloads started by `refreshAheadSeconds`. */
  refreshes: number;
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
   * The record of a plaintext key, or `undefined` if the key is unknown (or empty, longer than
   * `maxKeyLength`, or not well-formed UTF-16). Accept a request only if `result?.active === true`: a revoked key
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
/** Marks a cached entry that must be reloaded (past its `expiresAt` or its logical expiry). */
const RELOAD: unique symbol = Symbol("reload");
/**
 * The backend's in-process hit read: its settled-hit reader when it registered one, else its
 * `peek` (each hit then wrapped in a promise of its own), else `undefined`.
 */
function peekHitReaderOf<V extends CachedApiKey>(
  backend: ApiKeyCacheBackend<V>,
): SettledHitReader<V> | undefined {
  const reader = settledHitReaderOf<V>(backend);
  if (reader !== undefined) return reader;
  const peek = backend.peek;
  if (typeof peek !== "function") return undefined;
  return (cacheKey) => {
    const value = peek.call(backend, cacheKey);
    return value === undefined ? undefined : { value, resolved: Promise.resolve(value) };
  };
}

/** What `resolve` returns for a key it does not look up. */
const RESOLVED_UNDEFINED: Promise<undefined> = Object.freeze(Promise.resolve(undefined));

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

/** A record past its `expiresAt`, made inactive (a frozen copy: the input is left alone). */
function deactivated<V extends CachedApiKey>(record: V): V {
  return Object.freeze({ ...record, active: false });
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

/** What a `resolve` call observed, filled in only while someone listens to its channel. */
interface ResolveObservation {
  keyHash: string | undefined;
  outcome: ResolveOutcome;
}

/** How often the "served stale" warning may be logged, in ms. */
const STALE_WARNING_INTERVAL_MS = 10_000;

/** A short, non-secret tag of a key hash for log lines. */
function hashTag(keyHash: string): string {
  return keyHash.length > 12 ? `${keyHash.slice(0, 12)}…` : keyHash;
}

class CachingApiKeyResolver<V extends CachedApiKey> implements ApiKeyResolver<V> {
  readonly #options: ResolvedResolverOptions<V>;
  readonly #backend: ApiKeyCacheBackend<V>;
  /**
   * The backend's in-process hit read, when it has one: its settled-hit reader (the memory and
   * tiered backends: the hit with `get`'s settled promise), else its `peek`, bound.
   */
  readonly #peekHit: SettledHitReader<V> | undefined;
  /** `hash` is the default, {@link hashApiKey}: see `#keyHashOf`. */
  readonly #hashIsDefault: boolean;
  readonly #breaker: CircuitBreaker;
  readonly #cacheDeadline: DeadlineQueue;
  readonly #loadDeadline: DeadlineQueue;
  readonly #writeDeadline: DeadlineQueue;
  readonly #flights = new SingleFlight<V | StoredMarker | undefined>();
  readonly #refreshes: RefreshAhead;
  readonly #staleWarning: IntervalWarning;
  /** Write `_freshUntil` into records: stale-if-error or refresh-ahead is on. */
  readonly #stampsFreshness: boolean;
  readonly #staleWindowMs: number;
  readonly #refreshAheadMs: number;
  readonly #stats = {
    hits: 0,
    misses: 0,
    negativeHits: 0,
    bypasses: 0,
    loads: 0,
    loadErrors: 0,
    backendErrors: 0,
    timeouts: 0,
    staleServed: 0,
    refreshes: 0,
    lateTimeouts: 0,
  };
  #lastBackendError: unknown;
  /** Stale answers handed out, so an observed `resolve` can report them as such. */
  readonly #staleAnswers = new WeakSet<object>();

  constructor(options: ResolvedResolverOptions<V>) {
    this.#options = options;
    this.#backend = options.backend;
    this.#peekHit = peekHitReaderOf(options.backend);
    this.#hashIsDefault = options.hash === hashApiKey;
    const logger = options.logger;
    this.#staleWindowMs = options.staleIfErrorSeconds * 1000;
    this.#refreshAheadMs = options.refreshAheadSeconds * 1000;
    this.#stampsFreshness = this.#staleWindowMs > 0 || this.#refreshAheadMs > 0;
    this.#refreshes = new RefreshAhead(options.refreshAheadConcurrency);
    this.#staleWarning = new IntervalWarning(
      logger,
      STALE_WARNING_INTERVAL_MS,
      (count) =>
        `API-key loads are failing: ${count} lookup(s) answered with a record up to ${options.staleIfErrorSeconds} s past its TTL (staleIfErrorSeconds) since the last warning`,
    );
    this.#breaker = new CircuitBreaker({
      failureThreshold: options.circuitFailureThreshold,
      failureSliceMs: options.circuitFailureSliceMs,
      windowMs: options.circuitWindowMs,
      probeDelayMs: options.circuitProbeMs,
      maxProbeDelayMs: options.circuitProbeMaxMs,
      onStateChange: (state, previous) => {
        if (circuitChannel.hasSubscribers) circuitChannel.publish({ state });
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

  resolve(plaintextKey: string): Promise<V | StoredMarker | undefined> {
    return resolveChannel.hasSubscribers
      ? this.#observedResolve(plaintextKey)
      : this.#resolve(plaintextKey, undefined);
  }

  /** `resolve` while someone listens: the same call, then one `apikey-cache:resolve` event. */
  async #observedResolve(plaintextKey: string): Promise<V | StoredMarker | undefined> {
    const startedAt = performance.now();
    const observation: ResolveObservation = { keyHash: undefined, outcome: "skipped" };
    const publish = (outcome: ResolveOutcome, active: boolean): void => {
      resolveChannel.publish({
        ...(observation.keyHash === undefined ? {} : { keyHash: observation.keyHash }),
        outcome,
        active,
        startedAt,
        durationMs: performance.now() - startedAt,
      });
    };
    let result: V | StoredMarker | undefined;
    try {
      result = await this.#resolve(plaintextKey, observation);
    } catch (error) {
      publish("error", false);
      throw error;
    }
    const stale = typeof result === "object" && this.#staleAnswers.has(result);
    publish(stale ? "stale" : observation.outcome, result?.active === true);
    return result;
  }

  /**
   * Check and hash the key, then answer from the backend's `peek` when it has an answer (a fresh
   * in-process hit: no promise but the one returned), else through the async path.
   */
  #resolve(
    plaintextKey: string,
    observation: ResolveObservation | undefined,
  ): Promise<V | StoredMarker | undefined> {
    let keyHash: string | undefined;
    try {
      keyHash = this.#keyHashOf(plaintextKey);
    } catch (error) {
      return Promise.reject(error);
    }
    if (keyHash === undefined) return RESOLVED_UNDEFINED;
    if (observation !== undefined) observation.keyHash = keyHash;
    if (this.#peekHit !== undefined) {
      const answer = this.#answerFromPeek(this.#peekHit, keyHash, observation);
      if (answer !== undefined) return answer;
    }
    return this.#resolveHashed(keyHash, observation);
  }

  /**
   * The hash of a plaintext key, or `undefined` for one that is not looked up (not a string,
   * empty, longer than `maxKeyLength`, or not well-formed).
   * @throws ApiKeyCacheError `E_CONFIG` when `hash` returns something that is not a key.
   */
  #keyHashOf(plaintextKey: string): string | undefined {
    if (
      typeof plaintextKey !== "string" ||
      plaintextKey.length === 0 ||
      plaintextKey.length > this.#options.maxKeyLength ||
      !isWellFormedString(plaintextKey)
    ) {
      return undefined;
    }
    // The default hash checks exactly what was just checked (a well-formed string), and its
    // output is our own lowercase hex: neither is checked a second time.
    if (this.#hashIsDefault) return sha256Hex(plaintextKey);
    const keyHash = this.#options.hash(plaintextKey);
    if (typeof keyHash !== "string" || keyHash.length === 0 || !isWellFormedString(keyHash)) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        "createApiKeyResolver: hash must return a non-empty, well-formed string",
      );
    }
    return keyHash;
  }

  /**
   * The answer of an in-process hit, read with the backend's `peek` (as a settled hit), or
   * `undefined` when there is none: the circuit is not closed (the async path applies its
   * rules), the peek has no answer or threw (the async path's `get` asks again and handles its
   * failure), or the entry must be reloaded. A hit counts and reports exactly as one read with
   * `get`; a hit answered with the cached value itself reuses the backend's settled promise.
   */
  #answerFromPeek(
    peekHit: SettledHitReader<V>,
    keyHash: string,
    observation: ResolveObservation | undefined,
  ): Promise<V | StoredMarker | undefined> | undefined {
    const breaker = this.#breaker;
    if (breaker.state !== "closed") return undefined;
    let hit: SettledHit<V> | undefined;
    try {
      hit = peekHit(keyHash);
    } catch {
      return undefined;
    }
    if (hit === undefined) return undefined;
    const answer = this.#answerFromCache(keyHash, hit.value, observation);
    if (answer === RELOAD) return undefined;
    // An ordinary read while closed that succeeded, as `#read` reports one.
    breaker.success(CIRCUIT_CALL);
    if (answer === hit.value) return hit.resolved;
    return answer === undefined ? RESOLVED_UNDEFINED : Promise.resolve(answer);
  }

  /** The async path: read the cache (`get`), then load on a miss. */
  async #resolveHashed(
    keyHash: string,
    observation: ResolveObservation | undefined,
  ): Promise<V | StoredMarker | undefined> {
    const cached = await this.#read(keyHash);
    /** A logically expired record: reloaded, and answered only if the reload fails. */
    let stale: V | undefined;
    if (cached !== BYPASSED) {
      if (cached !== undefined) {
        const answer = this.#answerFromCache(keyHash, cached, observation);
        if (answer !== RELOAD) return answer;
        // Reloaded for its expiresAt (never served stale) or its logical expiry.
        if (!isPastExpiry(cached)) stale = cached;
      }
      this.#stats.misses++;
    } else {
      this.#stats.bypasses++;
    }
    const bypassed = cached === BYPASSED;
    if (observation !== undefined) observation.outcome = bypassed ? "bypass" : "miss";
    return this.#flights.run(keyHash, (token) =>
      this.#loadAndStore(keyHash, token, bypassed, stale),
    );
  }

  /**
   * What a cached entry answers, counted and reported, or {@link RELOAD} (nothing counted) when
   * it must be reloaded: a record past its `expiresAt`, or past its logical expiry. The
   * not-found marker answers `undefined`; a hit close to its logical expiry starts a refresh.
   */
  #answerFromCache(
    keyHash: string,
    cached: V,
    observation: ResolveObservation | undefined,
  ): V | StoredMarker | undefined | typeof RELOAD {
    if (isNotFoundMarker(cached)) {
      this.#stats.negativeHits++;
      if (observation !== undefined) observation.outcome = "negative";
      return undefined;
    }
    // A record past its expiresAt is treated as expired: reload it.
    if (isPastExpiry(cached)) return RELOAD;
    const freshUntil = freshUntilOf(cached);
    if (freshUntil === undefined) {
      this.#stats.hits++;
      if (observation !== undefined) observation.outcome = "hit";
      return cached;
    }
    const now = Date.now();
    if (freshUntil <= now) return RELOAD;
    this.#stats.hits++;
    if (observation !== undefined) observation.outcome = "hit";
    if (freshUntil - now < this.#refreshAheadMs) this.#startRefresh(keyHash, cached);
    return withoutFreshUntil(cached);
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
   * failed, and waiting for a second timeout would make the loader's answer late. A flight that
   * replaces a logically expired record writes with `replaceIfUnchanged`, so a tombstone written
   * meanwhile wins; if the load fails, that record is answered while it is within
   * `staleIfErrorSeconds` of its expiry and the key was not revoked meanwhile.
   */
  async #loadAndStore(
    keyHash: string,
    token: FlightToken,
    cacheBypassed: boolean,
    stale: V | undefined,
  ): Promise<V | StoredMarker | undefined> {
    let loaded: V | undefined;
    try {
      loaded = await this.#load(keyHash, false);
    } catch (error) {
      const served = this.#staleAnswer(stale, token);
      if (served !== undefined) return served;
      throw error;
    }
    const entry = this.#entryToStore(loaded);
    // Already past its own expiry: inactive, and not cached.
    if (entry === undefined) return deactivated(loaded as V);
    let result: V | undefined = loaded;
    // Revoked or invalidated while loading: what was loaded may predate that, so do not write
    // it. The callers still waiting all started before the revoke and may get either answer.
    if (token.dropped || cacheBypassed || entry.ttlSeconds <= 0) return result;

    const ticket = this.#breaker.admit();
    if (ticket === CIRCUIT_SKIP) return result;
    let stored: V | undefined;
    try {
      stored = await this.#cacheDeadline.run(
        stale === undefined
          ? this.#storeIfAbsent(keyHash, entry.value, entry.ttlSeconds)
          : this.#replaceStale(keyHash, stale, entry.value, entry.ttlSeconds),
      );
      this.#breaker.success(ticket);
    } catch (error) {
      this.#cacheFailed(ticket, error, "write", keyHash);
      return result;
    }
    if (stored !== undefined) {
      // Someone wrote first (a tombstone, or another process's load): the stored entry wins.
      if (isNotFoundMarker(stored)) return undefined;
      const visible = withoutFreshUntil(stored);
      result = isPastExpiry(visible) ? deactivated(visible) : visible;
    }
    return result;
  }

  /** Ask the loader within `loadTimeoutMs`; the record is checked before anything uses it. */
  async #load(keyHash: string, refresh: boolean): Promise<V | undefined> {
    this.#stats.loads++;
    const startedAt = loadChannel.hasSubscribers ? performance.now() : 0;
    try {
      // `null` is how many database clients say "no row": treat it as unknown.
      const answer =
        (await this.#loadDeadline.run(Promise.resolve(this.#options.load(keyHash)))) ?? undefined;
      // The checked copy is what is stored and returned.
      const loaded = answer === undefined ? undefined : checkLoadedRecord(answer);
      if (loadChannel.hasSubscribers) {
        const outcome = loaded === undefined ? "unknown" : "found";
        loadChannel.publish({
          keyHash,
          outcome,
          refresh,
          startedAt,
          durationMs: performance.now() - startedAt,
        });
      }
      return loaded;
    } catch (error) {
      this.#stats.loadErrors++;
      this.#options.logger.debug(`API-key load failed for ${hashTag(keyHash)}`, error);
      if (loadChannel.hasSubscribers) {
        const outcome = isApiKeyCacheError(error, "E_LOAD_TIMEOUT") ? "timeout" : "error";
        loadChannel.publish({
          keyHash,
          outcome,
          refresh,
          startedAt,
          durationMs: performance.now() - startedAt,
          error,
        });
      }
      throw error;
    }
  }

  /**
   * What to store for a load's answer and for how long; `undefined` for a record already past
   * its `expiresAt`. A record is never cached past its own expiry. With freshness on, it carries
   * its logical expiry and is kept `staleIfErrorSeconds` longer.
   */
  #entryToStore(loaded: V | undefined): { value: V; ttlSeconds: number } | undefined {
    const options = this.#options;
    if (loaded === undefined) {
      return {
        value: NOT_FOUND_MARKER as CachedApiKey as V,
        ttlSeconds: this.#jitter(options.negativeTtlSeconds),
      };
    }
    let freshSeconds = this.#jitter(options.ttlSeconds);
    let storedSeconds = freshSeconds + options.staleIfErrorSeconds;
    const expiresAt = loaded.expiresAt;
    if (typeof expiresAt === "number") {
      const remainingSeconds = (expiresAt - Date.now()) / 1000;
      if (remainingSeconds <= 0) return undefined;
      freshSeconds = Math.min(freshSeconds, remainingSeconds);
      storedSeconds = Math.min(storedSeconds, remainingSeconds);
    }
    if (!this.#stampsFreshness) return { value: loaded, ttlSeconds: freshSeconds };
    const value = withFreshUntil(loaded, Date.now() + freshSeconds * 1000);
    return { value, ttlSeconds: storedSeconds };
  }

  /** The stale record to answer instead of a failed load, if it may be answered. */
  #staleAnswer(stale: V | undefined, token: FlightToken): V | undefined {
    if (stale === undefined || token.dropped) return undefined;
    const freshUntil = freshUntilOf(stale);
    if (freshUntil === undefined || Date.now() - freshUntil >= this.#staleWindowMs) {
      return undefined;
    }
    this.#stats.staleServed++;
    this.#staleWarning.note();
    // An object of its own, so only this answer is reported as stale.
    const answer = Object.freeze({ ...withoutFreshUntil(stale) });
    this.#staleAnswers.add(answer);
    return answer;
  }

  /**
   * Replace the logically expired record that was read; if the entry changed meanwhile, it
   * wins (or, gone, is written as usual). `undefined` if `value` was stored.
   */
  async #replaceStale(
    keyHash: string,
    expected: V,
    value: V,
    ttlSeconds: number,
  ): Promise<V | undefined> {
    const replace = this.#backend.replaceIfUnchanged;
    if (
      replace !== undefined &&
      (await replace.call(this.#backend, keyHash, expected, value, ttlSeconds))
    ) {
      return undefined;
    }
    return this.#storeIfAbsent(keyHash, value, ttlSeconds);
  }

  /** A hit close to its logical expiry: reload it in the background (see {@link RefreshAhead}). */
  #startRefresh(keyHash: string, expected: V): void {
    if (this.#breaker.state !== "closed") return;
    if (this.#refreshes.start(keyHash, () => this.#refresh(keyHash, expected))) {
      this.#stats.refreshes++;
    }
  }

  /**
   * Reload and write only if the entry is still exactly `expected`: a revoke (or any write)
   * that landed meanwhile is never overwritten. Failures are counted and logged, never thrown.
   */
  async #refresh(keyHash: string, expected: V): Promise<void> {
    let loaded: V | undefined;
    try {
      loaded = await this.#load(keyHash, true);
    } catch {
      return;
    }
    const entry = this.#entryToStore(loaded);
    const replace = this.#backend.replaceIfUnchanged;
    if (entry === undefined || entry.ttlSeconds <= 0 || replace === undefined) return;
    const ticket = this.#breaker.admit();
    if (ticket === CIRCUIT_SKIP) return;
    try {
      await this.#cacheDeadline.run(
        replace.call(this.#backend, keyHash, expected, entry.value, entry.ttlSeconds),
      );
      this.#breaker.success(ticket);
    } catch (error) {
      this.#cacheFailed(ticket, error, "refresh", keyHash);
    }
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
  async #write(
    operation: "revoke" | "invalidate",
    keyHash: string,
    work: () => Promise<void>,
  ): Promise<void> {
    const startedAt = revokeChannel.hasSubscribers ? performance.now() : 0;
    try {
      await this.#writeDeadline.run(work());
      if (revokeChannel.hasSubscribers) {
        const durationMs = performance.now() - startedAt;
        revokeChannel.publish({ keyHash, operation, outcome: "ok", startedAt, durationMs });
      }
    } catch (error) {
      const timeout = error instanceof CacheTimeoutError;
      if (timeout) {
        this.#stats.timeouts++;
        if (error.lateByMs > 0) this.#stats.lateTimeouts++;
      } else {
        this.#stats.backendErrors++;
      }
      if (backendErrorChannel.hasSubscribers) {
        backendErrorChannel.publish({ operation, keyHash, timeout, error });
      }
      if (revokeChannel.hasSubscribers) {
        const durationMs = performance.now() - startedAt;
        revokeChannel.publish({
          keyHash,
          operation,
          outcome: "error",
          startedAt,
          durationMs,
          error,
        });
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
    const timeout = error instanceof CacheTimeoutError;
    const late = timeout && error.lateByMs > 0;
    if (timeout) this.#stats.timeouts++;
    else this.#stats.backendErrors++;
    if (late) this.#stats.lateTimeouts++;
    else this.#lastBackendError = error;
    if (backendErrorChannel.hasSubscribers) {
      backendErrorChannel.publish({ operation, keyHash, timeout, error });
    }
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
