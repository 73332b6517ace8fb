/**
 * A circuit breaker that counts distinct failures over time, not calls: failures closer together
 * than `failureSliceMs` count once, so one stall that times out fifty calls in flight is one
 * failure, while a store that keeps failing is `failureThreshold` failures within `windowMs`
 * (with no success between them). Open, it lets one probe through after `probeDelayMs`,
 * doubling the delay after each failed probe up to `maxProbeDelayMs`; a success closes it.
 */

/** The breaker's state, as reported by `stats()`. */
export type CircuitState = "closed" | "open" | "half-open";

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Distinct failures (see `failureSliceMs`) within `windowMs` that open the circuit. @default 5 */
  failureThreshold?: number;
  /** Failures less than this after the last counted one count as the same failure, in ms. @default 100 */
  failureSliceMs?: number;
  /** Failures older than this no longer count, in ms. @default 10000 */
  windowMs?: number;
  /** Delay from opening to the first half-open probe, in ms. @default 250 */
  probeDelayMs?: number;
  /** The probe delay doubles after each failed probe, up to this, in ms. @default 500 */
  maxProbeDelayMs?: number;
  /**
   * @deprecated The fixed delay between probes of the earlier breaker; now an alias of
   * `maxProbeDelayMs` (which wins when both are given).
   */
  openDurationMs?: number;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
  /** Told about every state change (for logging), with the state it left. */
  onStateChange?: (state: CircuitState, previous: CircuitState) => void;
}

/** What {@link CircuitBreaker.admit} answers: skip, an ordinary call, or the half-open probe. */
export type CircuitTicket = 0 | 1 | 2;

/** The resource is skipped. */
export const CIRCUIT_SKIP: 0 = 0;
/** An ordinary call while closed. */
export const CIRCUIT_CALL: 1 = 1;
/** The single probe while half-open. */
export const CIRCUIT_PROBE: 2 = 2;

/** The defaults of {@link CircuitBreakerOptions}. */
export const CIRCUIT_BREAKER_DEFAULTS: {
  readonly failureThreshold: 5;
  readonly failureSliceMs: 100;
  readonly windowMs: 10_000;
  readonly probeDelayMs: 250;
  readonly maxProbeDelayMs: 500;
} = Object.freeze({
  failureThreshold: 5,
  failureSliceMs: 100,
  windowMs: 10_000,
  probeDelayMs: 250,
  maxProbeDelayMs: 500,
});

/** Stops calls to a resource while it keeps failing, and probes it back quickly. */
export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly failureSliceMs: number;
  readonly windowMs: number;
  readonly probeDelayMs: number;
  readonly maxProbeDelayMs: number;
  /** @deprecated Same as {@link CircuitBreaker.maxProbeDelayMs}. */
  readonly openDurationMs: number;
  readonly #now: () => number;
  readonly #onStateChange: ((state: CircuitState, previous: CircuitState) => void) | undefined;
  #state: CircuitState = "closed";
  /** When each counted failure happened, oldest first (at most `failureThreshold`). */
  #failures: number[] = [];
  /** Earliest time the next probe may go out (open), or another one may (half-open). */
  #nextProbeAt = 0;
  #probeDelayMs: number;
  #opens = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    const defaults = CIRCUIT_BREAKER_DEFAULTS;
    this.failureThreshold = options.failureThreshold ?? defaults.failureThreshold;
    this.failureSliceMs = options.failureSliceMs ?? defaults.failureSliceMs;
    this.windowMs = options.windowMs ?? defaults.windowMs;
    this.maxProbeDelayMs =
      options.maxProbeDelayMs ?? options.openDurationMs ?? defaults.maxProbeDelayMs;
    this.probeDelayMs = Math.min(
      options.probeDelayMs ?? defaults.probeDelayMs,
      this.maxProbeDelayMs,
    );
    this.openDurationMs = this.maxProbeDelayMs;
    this.#probeDelayMs = this.probeDelayMs;
    this.#now = options.now ?? (() => performance.now());
    this.#onStateChange = options.onStateChange;
  }

  /** The current state. */
  get state(): CircuitState {
    return this.#state;
  }

  /** How many times the circuit has opened from closed (failed probes do not count). */
  get opens(): number {
    return this.#opens;
  }

  /** Distinct failures counted right now toward opening (0 unless closed). */
  get failureCount(): number {
    this.#forgetOld(this.#now());
    return this.#failures.length;
  }

  /** Ask before calling the resource; report the outcome with the returned ticket. */
  admit(): CircuitTicket {
    if (this.#state === "closed") return CIRCUIT_CALL;
    // Open long enough: let one probe through. Half-open with the probe out that long (its
    // outcome never reported): let another, so the breaker cannot stick half-open.
    const now = this.#now();
    if (now < this.#nextProbeAt) return CIRCUIT_SKIP;
    this.#nextProbeAt = now + this.#probeDelayMs;
    this.#transition("half-open");
    return CIRCUIT_PROBE;
  }

  /** The call admitted with `ticket` succeeded. */
  success(ticket: CircuitTicket): void {
    if (ticket === CIRCUIT_SKIP) return;
    if (this.#state === "closed") {
      // Every in-process hit of the resolver reports one: write only when there is something
      // to forget.
      if (this.#failures.length !== 0) this.#failures.length = 0;
    } else if (this.#state === "half-open") {
      // Any success while half-open proves the resource answers again.
      this.#failures.length = 0;
      this.#probeDelayMs = this.probeDelayMs;
      this.#transition("closed");
    }
    // Open: a slow success of a call admitted before opening proves little; wait for the probe.
  }

  /** The call admitted with `ticket` failed (an error, or a timeout observed on time). */
  failure(ticket: CircuitTicket): void {
    if (ticket === CIRCUIT_SKIP) return;
    const now = this.#now();
    if (this.#state === "closed") {
      const failures = this.#failures;
      const last = failures[failures.length - 1];
      // The same failure seen by several calls at once (one stall, one dropped connection).
      if (last !== undefined && now - last < this.failureSliceMs) return;
      failures.push(now);
      this.#forgetOld(now);
      if (failures.length >= this.failureThreshold) this.#open(now, this.probeDelayMs);
    } else if (this.#state === "half-open" && ticket === CIRCUIT_PROBE) {
      this.#open(now, Math.min(this.#probeDelayMs * 2, this.maxProbeDelayMs));
    }
  }

  /**
   * The call admitted with `ticket` ended without telling anything about the resource (its
   * deadline fired late because the event loop was blocked). Not counted; a probe that ends so
   * frees the next probe at once, without backing off.
   */
  inconclusive(ticket: CircuitTicket): void {
    if (ticket === CIRCUIT_PROBE && this.#state === "half-open") {
      this.#nextProbeAt = this.#now();
      this.#transition("open");
    }
  }

  #forgetOld(now: number): void {
    const failures = this.#failures;
    let drop = 0;
    while (drop < failures.length && now - (failures[drop] as number) > this.windowMs) drop++;
    if (drop > 0) failures.splice(0, drop);
    if (failures.length > this.failureThreshold)
      failures.splice(0, failures.length - this.failureThreshold);
  }

  #open(now: number, probeDelayMs: number): void {
    this.#failures.length = 0;
    this.#probeDelayMs = probeDelayMs;
    this.#nextProbeAt = now + probeDelayMs;
    if (this.#state === "closed") this.#opens++;
    this.#transition("open");
  }

  #transition(state: CircuitState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#onStateChange?.(state, previous);
  }
}
