/**
 * The one reconnect backoff of every Redis connection this project creates (backend and bus,
 * any client). Capped so a worker notices a recovered server within about two seconds, and
 * jittered so many workers dropped by the same outage do not reconnect in step.
 */

import { isAuthError } from "./redis-errors.js";

/** Longest wait between two reconnect attempts, jitter excluded, in milliseconds. */
export const MAX_RECONNECT_DELAY_MS = 2000;

/** Upper bound of the random jitter added to every delay, in milliseconds. */
export const RECONNECT_JITTER_MS = 100;

/**
 * Milliseconds to wait before reconnect attempt `attempt`: 50 · 2^(attempt − 1), capped at
 * {@link MAX_RECONNECT_DELAY_MS}, plus up to {@link RECONNECT_JITTER_MS} of jitter.
 * @param attempt 1 for the first attempt after a loss (ioredis's `retryStrategy(times)` counts
 *   so; node-redis's `reconnectStrategy(retries)` counts from 0, so pass `retries + 1`). Values
 *   below 1 or not finite count as 1.
 */
export function reconnectDelayMs(attempt: number): number {
  const step = Number.isFinite(attempt) ? Math.min(Math.max(Math.floor(attempt) - 1, 0), 6) : 0;
  const exponential = 50 * 2 ** step;
  return (
    Math.min(exponential, MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * RECONNECT_JITTER_MS)
  );
}

/**
 * {@link reconnectDelayMs}, but the longest delay at once after an authentication failure
 * (`WRONGPASS`, `NOAUTH`): a retry soon after will be refused the same way, so it waits as long
 * as after a long outage instead of hammering the server through the short first steps.
 * @param lastError the error that ended the last attempt, when the client tells it
 */
export function reconnectDelayAfter(attempt: number, lastError: unknown): number {
  return isAuthError(lastError)
    ? MAX_RECONNECT_DELAY_MS + Math.floor(Math.random() * RECONNECT_JITTER_MS)
    : reconnectDelayMs(attempt);
}
