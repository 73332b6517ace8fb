/** Polls a condition with a cap instead of sleeping a fixed time. */

/** Resolve once `condition()` is true; reject after `capMs` with `what` in the message. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  capMs = 10_000,
): Promise<void> {
  const giveUpAt = performance.now() + capMs;
  while (!(await condition())) {
    if (performance.now() >= giveUpAt)
      throw new Error(`timed out after ${capMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
