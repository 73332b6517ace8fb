/**
 * Lets calls wait for a connection to become ready, each for at most its own deadline. A
 * waiter whose deadline has passed has already been rejected by the caller's `DeadlineQueue`,
 * so it is dropped, never settled: `open()` releases only waiters still within their
 * deadline (a late release would send a command its caller was told had failed), and each
 * `wait()` drops the expired ones at the head, so the list stays bounded by call rate ×
 * timeout while Redis stays down.
 */

interface Waiter {
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** A one-shot-per-opening gate: `wait()` until `open()`, or until `fail()` for good. */
export class ReadinessGate {
  #waiters: Waiter[] = [];
  #head = 0;
  #failure: Error | undefined;

  /**
   * Resolve at the next `open()` that comes within `timeoutMs`; after that the promise never
   * settles (the caller's own deadline has rejected it already).
   */
  wait(timeoutMs: number): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const now = performance.now();
    this.#dropExpired(now);
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ deadline: now + timeoutMs, resolve, reject });
    });
  }

  /** The connection is ready: release every waiter still within its deadline, drop the rest. */
  open(): void {
    const now = performance.now();
    const waiters = this.#waiters;
    const head = this.#head;
    this.#waiters = [];
    this.#head = 0;
    for (let i = head; i < waiters.length; i++) {
      const waiter = waiters[i];
      if (waiter !== undefined && waiter.deadline > now) waiter.resolve();
    }
  }

  /** Reject the waiters held now (e.g. an authentication failure); later waits still wait. */
  rejectWaiting(error: Error): void {
    const waiters = this.#waiters;
    const head = this.#head;
    this.#waiters = [];
    this.#head = 0;
    for (let i = head; i < waiters.length; i++) waiters[i]?.reject(error);
  }

  /** The connection is gone for good: reject every waiter, now and later. */
  fail(error: Error): void {
    this.#failure = error;
    this.rejectWaiting(error);
  }

  /** Waiters still held (for tests and diagnostics). */
  get size(): number {
    return this.#waiters.length - this.#head;
  }

  #dropExpired(now: number): void {
    // Deadlines share one timeout, so they expire in insertion order.
    while (this.#head < this.#waiters.length && (this.#waiters[this.#head]?.deadline ?? 0) <= now) {
      this.#head++;
    }
    if (this.#head === this.#waiters.length) {
      this.#waiters = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#head);
      this.#head = 0;
    }
  }
}
