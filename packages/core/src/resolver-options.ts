/**
 * Options of `createApiKeyResolver`, their defaults, and the one-time check that turns them into
 * a settled configuration (so a bad option fails at construction with `E_CONFIG`, not later).
 * The tricky point is limits that bite only later: every TTL the resolver will write (records,
 * not-found markers, tombstones) must fit the stores' limit (`ttlToMilliseconds`), and every
 * deadline must fit a Node timer ({@link MAX_TIMER_MS}); otherwise every write, or every
 * deadline, would fail.
 */
import { type ApiKeyCacheBackend, type CachedApiKey, isApiKeyCacheBackend } from "./backend.js";
import { ApiKeyCacheError } from "./errors.js";
import { hashApiKey } from "./hash.js";
import { type ApiKeyCacheLogger, defaultLogger } from "./logger.js";
import { ttlToMilliseconds } from "./validation.js";

/** Loads a key's record from the source of truth; `undefined` when the key does not exist. */
export type ApiKeyLoader<V extends CachedApiKey = CachedApiKey> = (
  keyHash: string,
) => Promise<V | undefined>;

/** Options of `createApiKeyResolver`. */
export interface ApiKeyResolverOptions<V extends CachedApiKey = CachedApiKey> {
  /** Where records are cached (memory, Redis or tiered). */
  backend: ApiKeyCacheBackend<V>;
  /** Reads a key's record from the database by its hash; `undefined` if unknown. */
  load: ApiKeyLoader<V>;
  /** How long a loaded record is cached, in seconds. @default 60 */
  ttlSeconds?: number;
  /** How long "not found" is cached for an unknown key, in seconds; `0` caches nothing. @default 30 */
  negativeTtlSeconds?: number;
  /** Deadline of a cache read (and of writing a load); past it the cache is bypassed. @default 100 */
  timeoutMs?: number;
  /** Hard deadline of one load; a later result is neither cached nor returned. @default 5000 */
  loadTimeoutMs?: number;
  /** Deadline of the writes `revoke` and `invalidate` wait for (they are never bypassed). @default 1000 */
  writeTimeoutMs?: number;
  /** Plaintext key → cache key. @default hashApiKey (sha256 hex) */
  hash?: (plaintextKey: string) => string;
  /** Longer plaintexts resolve to `undefined` without a lookup or a load. @default 1024 */
  maxKeyLength?: number;
  /**
   * Shorten each cached TTL by a random fraction up to this (0.1: up to 10% shorter), so
   * entries written together do not expire together. Never lengthens a TTL. @default 0
   */
  ttlJitter?: number;
  /**
   * Distinct cache failures (errors, or timeouts observed on time) within `circuitWindowMs`,
   * with no success between them, that open the circuit. Failures less than
   * `circuitFailureSliceMs` apart count once. @default 5
   */
  circuitFailureThreshold?: number;
  /**
   * Cache failures less than this after the last counted one count as the same failure, in ms:
   * one stall or one dropped connection failing many calls at once is one failure. @default 100
   */
  circuitFailureSliceMs?: number;
  /** Cache failures older than this no longer count toward opening the circuit, in ms. @default 10000 */
  circuitWindowMs?: number;
  /** Delay from opening the circuit to its first probe of the cache, in ms. @default 250 */
  circuitProbeMs?: number;
  /** After each failed probe the delay to the next doubles, up to this, in ms. @default 500 */
  circuitProbeMaxMs?: number;
  /**
   * @deprecated Use `circuitProbeMaxMs`. Once the fixed time an open circuit skipped the cache
   * before one probe; now an alias of `circuitProbeMaxMs`, the longest delay between probes
   * (`circuitProbeMaxMs` wins when both are given).
   */
  circuitOpenMs?: number;
  /**
   * Serve the last good record for up to this long after it expired, in seconds, when a fresh
   * load fails or misses `loadTimeoutMs`; `0` turns it off. Entries are then kept in the store
   * for `ttlSeconds + staleIfErrorSeconds`, with their logical expiry in the record's reserved
   * `_freshUntil` field. Tombstones and not-found entries are never served stale. Needs a
   * backend with `replaceIfUnchanged`. @default 0
   */
  staleIfErrorSeconds?: number;
  /**
   * Reload a key in the background when a hit finds less than this left of its logical TTL, in
   * seconds; the caller gets the cached record at once. `0` turns it off; must be less than
   * `ttlSeconds`. The reload is written only if the entry is still exactly what was read
   * (`replaceIfUnchanged`), so it never overwrites a revocation. @default 0
   */
  refreshAheadSeconds?: number;
  /** Most background refreshes running at once (one per key). @default 8 */
  refreshAheadConcurrency?: number;
  /** @default defaultLogger (warnings and errors to the console) */
  logger?: ApiKeyCacheLogger;
}

/** The defaults of {@link ApiKeyResolverOptions}. */
export const RESOLVER_DEFAULTS: {
  readonly ttlSeconds: 60;
  readonly negativeTtlSeconds: 30;
  readonly timeoutMs: 100;
  readonly loadTimeoutMs: 5000;
  readonly writeTimeoutMs: 1000;
  readonly maxKeyLength: 1024;
  readonly ttlJitter: 0;
  readonly circuitFailureThreshold: 5;
  readonly circuitFailureSliceMs: 100;
  readonly circuitWindowMs: 10_000;
  readonly circuitProbeMs: 250;
  readonly circuitProbeMaxMs: 500;
  /** @deprecated Same as `circuitProbeMaxMs`. */
  readonly circuitOpenMs: 500;
  readonly staleIfErrorSeconds: 0;
  readonly refreshAheadSeconds: 0;
  readonly refreshAheadConcurrency: 8;
} = Object.freeze({
  ttlSeconds: 60,
  negativeTtlSeconds: 30,
  timeoutMs: 100,
  loadTimeoutMs: 5000,
  writeTimeoutMs: 1000,
  maxKeyLength: 1024,
  ttlJitter: 0,
  circuitFailureThreshold: 5,
  circuitFailureSliceMs: 100,
  circuitWindowMs: 10_000,
  circuitProbeMs: 250,
  circuitProbeMaxMs: 500,
  circuitOpenMs: 500,
  staleIfErrorSeconds: 0,
  refreshAheadSeconds: 0,
  refreshAheadConcurrency: 8,
});

/**
 * The longest deadline a Node timer can wait, in ms (2^31 - 1, about 24.8 days); a longer one
 * would fire after 1 ms.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** {@link ApiKeyResolverOptions} checked, with every default filled in. */
export interface ResolvedResolverOptions<V extends CachedApiKey = CachedApiKey> {
  readonly backend: ApiKeyCacheBackend<V>;
  readonly load: ApiKeyLoader<V>;
  readonly ttlSeconds: number;
  readonly negativeTtlSeconds: number;
  readonly timeoutMs: number;
  readonly loadTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly hash: (plaintextKey: string) => string;
  readonly maxKeyLength: number;
  readonly ttlJitter: number;
  readonly circuitFailureThreshold: number;
  readonly circuitFailureSliceMs: number;
  readonly circuitWindowMs: number;
  readonly circuitProbeMs: number;
  readonly circuitProbeMaxMs: number;
  /** @deprecated Same as `circuitProbeMaxMs`. */
  readonly circuitOpenMs: number;
  readonly staleIfErrorSeconds: number;
  readonly refreshAheadSeconds: number;
  readonly refreshAheadConcurrency: number;
  readonly logger: ApiKeyCacheLogger;
  /** `max(ttlSeconds, 2 × loadTimeoutMs / 1000)`: outlives any load in flight at revoke time. */
  readonly tombstoneTtlSeconds: number;
}

/**
 * Check the options and fill in defaults.
 * @throws ApiKeyCacheError `E_CONFIG` naming the bad option.
 */
export function resolveResolverOptions<V extends CachedApiKey>(
  options: ApiKeyResolverOptions<V>,
): ResolvedResolverOptions<V> {
  if (typeof options !== "object" || options === null) {
    throw config("options must be an object with at least backend and load");
  }
  if (!isApiKeyCacheBackend(options.backend)) {
    throw config("backend must implement ApiKeyCacheBackend (get, set, setIfAbsent, ...)");
  }
  const stalenessMs = options.backend.maxStalenessMs;
  if (
    stalenessMs !== undefined &&
    !(typeof stalenessMs === "number" && stalenessMs <= MAX_TIMER_MS)
  ) {
    // revoke(h, { wait: true }) sleeps this long: a timer cannot (it would fire every 1 ms).
    throw config(
      `backend.maxStalenessMs (the tiered backend's localTtlSeconds × 1000) must be a number of at most ${MAX_TIMER_MS} ms (2^31 - 1), got ${String(stalenessMs)}`,
    );
  }
  if (typeof options.load !== "function") {
    throw config("load must be a function (keyHash) => Promise<CachedApiKey | undefined>");
  }
  if (options.hash !== undefined && typeof options.hash !== "function") {
    throw config("hash must be a function (plaintextKey) => string");
  }
  const ttlSeconds = storable(
    "ttlSeconds",
    positive("ttlSeconds", options.ttlSeconds, RESOLVER_DEFAULTS.ttlSeconds),
  );
  const negativeTtlSeconds = storable(
    "negativeTtlSeconds",
    nonNegative(
      "negativeTtlSeconds",
      options.negativeTtlSeconds,
      RESOLVER_DEFAULTS.negativeTtlSeconds,
    ),
  );
  const timeoutMs = timer(
    "timeoutMs",
    positive("timeoutMs", options.timeoutMs, RESOLVER_DEFAULTS.timeoutMs),
  );
  const loadTimeoutMs = timer(
    "loadTimeoutMs",
    positive("loadTimeoutMs", options.loadTimeoutMs, RESOLVER_DEFAULTS.loadTimeoutMs),
  );
  const writeTimeoutMs = timer(
    "writeTimeoutMs",
    positive("writeTimeoutMs", options.writeTimeoutMs, RESOLVER_DEFAULTS.writeTimeoutMs),
  );
  // Storable too: ttlSeconds is, and 2 × loadTimeoutMs (a timer's range) is far below the limit.
  const tombstoneTtlSeconds = Math.max(ttlSeconds, (2 * loadTimeoutMs) / 1000);
  const maxKeyLength = positiveInteger(
    "maxKeyLength",
    options.maxKeyLength,
    RESOLVER_DEFAULTS.maxKeyLength,
  );
  const ttlJitter = options.ttlJitter ?? RESOLVER_DEFAULTS.ttlJitter;
  if (typeof ttlJitter !== "number" || !(ttlJitter >= 0 && ttlJitter < 1)) {
    throw config(`ttlJitter must be a fraction in [0, 1), got ${String(ttlJitter)}`);
  }
  const circuitFailureThreshold = positiveInteger(
    "circuitFailureThreshold",
    options.circuitFailureThreshold,
    RESOLVER_DEFAULTS.circuitFailureThreshold,
  );
  const circuit = resolveCircuitOptions(options);
  const staleIfErrorSeconds = nonNegative(
    "staleIfErrorSeconds",
    options.staleIfErrorSeconds,
    RESOLVER_DEFAULTS.staleIfErrorSeconds,
  );
  const refreshAheadSeconds = nonNegative(
    "refreshAheadSeconds",
    options.refreshAheadSeconds,
    RESOLVER_DEFAULTS.refreshAheadSeconds,
  );
  if (refreshAheadSeconds >= ttlSeconds) {
    throw config(
      `refreshAheadSeconds must be less than ttlSeconds (${ttlSeconds}), got ${refreshAheadSeconds}`,
    );
  }
  const refreshAheadConcurrency = positiveInteger(
    "refreshAheadConcurrency",
    options.refreshAheadConcurrency,
    RESOLVER_DEFAULTS.refreshAheadConcurrency,
  );
  if (
    (staleIfErrorSeconds > 0 || refreshAheadSeconds > 0) &&
    typeof options.backend.replaceIfUnchanged !== "function"
  ) {
    throw config(
      "staleIfErrorSeconds and refreshAheadSeconds need a backend with replaceIfUnchanged (compare-and-set), which this backend lacks",
    );
  }
  return {
    backend: options.backend,
    load: options.load,
    ttlSeconds,
    negativeTtlSeconds,
    timeoutMs,
    loadTimeoutMs,
    writeTimeoutMs,
    hash: options.hash ?? hashApiKey,
    maxKeyLength,
    ttlJitter,
    circuitFailureThreshold,
    ...circuit,
    staleIfErrorSeconds,
    refreshAheadSeconds,
    refreshAheadConcurrency,
    logger: options.logger ?? defaultLogger,
    tombstoneTtlSeconds,
  };
}

/** The breaker's timings; `circuitOpenMs` (deprecated) stands in for `circuitProbeMaxMs`. */
function resolveCircuitOptions(
  options: Pick<
    ApiKeyResolverOptions,
    | "circuitFailureSliceMs"
    | "circuitWindowMs"
    | "circuitProbeMs"
    | "circuitProbeMaxMs"
    | "circuitOpenMs"
  >,
): {
  circuitFailureSliceMs: number;
  circuitWindowMs: number;
  circuitProbeMs: number;
  circuitProbeMaxMs: number;
  circuitOpenMs: number;
} {
  const circuitFailureSliceMs = nonNegative(
    "circuitFailureSliceMs",
    options.circuitFailureSliceMs,
    RESOLVER_DEFAULTS.circuitFailureSliceMs,
  );
  const circuitWindowMs = positive(
    "circuitWindowMs",
    options.circuitWindowMs,
    RESOLVER_DEFAULTS.circuitWindowMs,
  );
  if (options.circuitOpenMs !== undefined) positive("circuitOpenMs", options.circuitOpenMs, 0);
  const explicitMax = options.circuitProbeMaxMs ?? options.circuitOpenMs;
  if (explicitMax !== undefined) positive("circuitProbeMaxMs", explicitMax, 0);
  const explicitProbe = options.circuitProbeMs;
  if (explicitProbe !== undefined) positive("circuitProbeMs", explicitProbe, 0);
  if (explicitProbe !== undefined && explicitMax !== undefined && explicitProbe > explicitMax) {
    throw config(
      `circuitProbeMs (${explicitProbe}) must not exceed circuitProbeMaxMs (${explicitMax})`,
    );
  }
  const circuitProbeMaxMs =
    explicitMax ?? Math.max(RESOLVER_DEFAULTS.circuitProbeMaxMs, explicitProbe ?? 0);
  const circuitProbeMs =
    explicitProbe ?? Math.min(RESOLVER_DEFAULTS.circuitProbeMs, circuitProbeMaxMs);
  return {
    circuitFailureSliceMs,
    circuitWindowMs,
    circuitProbeMs,
    circuitProbeMaxMs,
    circuitOpenMs: circuitProbeMaxMs,
  };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const checked = value ?? fallback;
  if (typeof checked !== "number" || !Number.isFinite(checked) || checked <= 0) {
    throw config(`${name} must be a finite number > 0, got ${String(checked)}`);
  }
  return checked;
}

/** A TTL every backend can store: its milliseconds fit `ttlToMilliseconds`'s limit. */
function storable(name: string, seconds: number): number {
  try {
    ttlToMilliseconds(seconds);
  } catch {
    throw config(
      `${name} is too large for a cache TTL (at most ${Math.floor(Number.MAX_SAFE_INTEGER / 1000)} seconds), got ${String(seconds)}`,
    );
  }
  return seconds;
}

/** A deadline a Node timer can wait for. */
function timer(name: string, ms: number): number {
  if (ms > MAX_TIMER_MS) {
    throw config(`${name} must be at most ${MAX_TIMER_MS} ms (2^31 - 1), got ${String(ms)}`);
  }
  return ms;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const checked = value ?? fallback;
  if (typeof checked !== "number" || !Number.isFinite(checked) || checked < 0) {
    throw config(`${name} must be a finite number >= 0, got ${String(checked)}`);
  }
  return checked;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const checked = value ?? fallback;
  if (!Number.isSafeInteger(checked) || checked < 1) {
    throw config(`${name} must be a positive integer, got ${String(checked)}`);
  }
  return checked;
}

function config(message: string): ApiKeyCacheError {
  return new ApiKeyCacheError("E_CONFIG", `createApiKeyResolver: ${message}`);
}
