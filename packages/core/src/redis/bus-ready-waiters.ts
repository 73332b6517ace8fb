/**
 * The `subscribe()` calls waiting for a bus's subscription to be confirmed. Each waits until
 * the next confirmation or its own deadline, whichever comes first: a caller arriving late in
 * an outage gets its full deadline, not what is left of an earlier caller's.
 */

/** Waiters released together, each bounded by its own timer. */
export class BusReadyWaiters {
  readonly #waiting = new Set<() => void>();

  /** Resolves at the next `release()` or after `timeoutMs`; never rejects. */
  wait(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiting.add(done);
    });
  }

  /** Resolve every waiter now (the subscription is confirmed, or the bus closed). */
  release(): void {
    for (const done of [...this.#waiting]) done();
  }
}
