/**
 * A consecutive-failure circuit breaker: after `failureThreshold` failures in a row it opens and
 * callers skip the guarded resource for `openDurationMs`; then exactly one call is let through
 * as a probe (half-open). The probe's success closes it, its failure opens it again.
 */

/** The breaker's state, as reported by `stats()`. */
export type CircuitState = "closed" | "open" | "half-open";

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. @default 5 */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe is let through, in ms. @default 5000 */
  openDurationMs?: number;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
  /** Told about every state change (for logging). */
  onStateChange?: (state: CircuitState) => void;
}

/** What {@link CircuitBreaker.admit} answers: skip, an ordinary call, or the half-open probe. */
export type CircuitTicket = 0 | 1 | 2;

/** The resource is skipped. */
export const CIRCUIT_SKIP: 0 = 0;
/** An ordinary call while closed. */
export const CIRCUIT_CALL: 1 = 1;
/** The single probe while half-open. */
export const CIRCUIT_PROBE: 2 = 2;

/** Counts consecutive failures of a resource and stops calls to it while it is failing. */
export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly openDurationMs: number;
  readonly #now: () => number;
  readonly #onStateChange: ((state: CircuitState) => void) | undefined;
  #state: CircuitState = "closed";
  #failures = 0;
  #openedAt = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.openDurationMs = options.openDurationMs ?? 5000;
    this.#now = options.now ?? (() => performance.now());
    this.#onStateChange = options.onStateChange;
  }

  /** The current state. */
  get state(): CircuitState {
    return this.#state;
  }

  /** Ask before calling the resource; report the outcome with the returned ticket. */
  admit(): CircuitTicket {
    if (this.#state === "closed") return CIRCUIT_CALL;
    // Open long enough: let one probe through. Half-open with the probe out that long (its
    // outcome never reported): let another, so the breaker cannot stick half-open.
    const now = this.#now();
    if (now - this.#openedAt < this.openDurationMs) return CIRCUIT_SKIP;
    this.#openedAt = now;
    this.#transition("half-open");
    return CIRCUIT_PROBE;
  }

  /** The call admitted with `ticket` succeeded. */
  success(ticket: CircuitTicket): void {
    if (ticket === CIRCUIT_SKIP) return;
    if (this.#state === "closed") {
      this.#failures = 0;
    } else if (this.#state === "half-open") {
      // Any success while half-open proves the resource answers again.
      this.#failures = 0;
      this.#transition("closed");
    }
    // Open: a slow success of a call admitted before opening proves little; wait for the probe.
  }

  /** The call admitted with `ticket` failed (error or timeout). */
  failure(ticket: CircuitTicket): void {
    if (ticket === CIRCUIT_SKIP) return;
    if (this.#state === "closed") {
      this.#failures++;
      if (this.#failures >= this.failureThreshold) this.#open();
    } else if (this.#state === "half-open" && ticket === CIRCUIT_PROBE) {
      this.#open();
    }
  }

  #open(): void {
    this.#openedAt = this.#now();
    this.#transition("open");
  }

  #transition(state: CircuitState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#onStateChange?.(state);
  }
}
