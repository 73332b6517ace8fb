/**
 * Time helpers for checks that run on a real clock. Checks wait for a state with a cap instead
 * of sleeping a fixed time, and anchor TTL margins to when a call resolved, so they hold on a
 * loaded machine.
 */

/** Monotonic milliseconds. */
export function monotonicNow(): number {
  return performance.now();
}

/** Resolve after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Resolve once the monotonic clock has reached `deadline`. */
export async function sleepUntil(deadline: number): Promise<void> {
  // setTimeout may fire a little early; loop until the clock agrees.
  for (let remaining = deadline - monotonicNow(); remaining > 0; ) {
    await sleep(remaining);
    remaining = deadline - monotonicNow();
  }
}

/**
 * Read `probe` until `accept` holds or `budgetMs` has passed (at least one read; every
 * 10 ms). Resolves to the last value read and whether it was accepted.
 */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  budgetMs: number,
): Promise<{ value: T; accepted: boolean }> {
  const deadline = monotonicNow() + budgetMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return { value, accepted: true };
    if (monotonicNow() >= deadline) return { value, accepted: false };
    await sleep(10);
  }
}
