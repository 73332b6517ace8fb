/**
 * The `error` listener every Redis client the library creates gets. Without one, node-redis
 * crashes the process on a dropped connection and ioredis reports each failed reconnect on its
 * own; so the listener must exist, and must not flood the log while Redis is down: it logs the
 * first error at once, then at most one line per interval, counting what it held back.
 */
import type { ApiKeyCacheLogger } from "../logger.js";
import { errorMessage } from "./redis-errors.js";
import { redactUrlCredentials } from "./redis-url.js";

/** The shortest gap between two logged connection errors of one client. */
export const CONNECTION_ERROR_LOG_INTERVAL_MS = 10_000;

/** A rate-limited `error` listener that writes to `logger.warn`; attach it with `on("error", …)`. */
export function createConnectionErrorLog(
  logger: ApiKeyCacheLogger,
  label: string,
  intervalMs: number = CONNECTION_ERROR_LOG_INTERVAL_MS,
): (error: unknown) => void {
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let heldBack = 0;
  return (error: unknown): void => {
    const now = performance.now();
    if (now - lastLoggedAt < intervalMs) {
      heldBack++;
      return;
    }
    const message = redactUrlCredentials(errorMessage(error));
    const suffix = heldBack === 0 ? "" : ` (${heldBack} similar errors not logged)`;
    lastLoggedAt = now;
    heldBack = 0;
    logger.warn(`${label}: Redis connection error: ${message}${suffix}`);
  };
}
