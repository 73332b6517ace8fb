/**
 * The 'error' listener every client we create gets: without one, ioredis reports each failed
 * reconnect on its own, and an outage floods the log. This one logs the first error at once and
 * then at most one summary per interval, counting what it held back.
 */
import type { ApiKeyCacheLogger } from "@apikey/core";

/** Anything with an EventEmitter-style `on`. */
interface ErrorEmitter {
  on(event: "error", listener: (error: Error) => void): unknown;
}

/** The shortest gap between two logged client errors. */
export const CLIENT_ERROR_LOG_INTERVAL_MS = 10_000;

/** Attach a rate-limited 'error' listener that writes to `logger.warn`. */
export function attachClientErrorLog(
  client: ErrorEmitter,
  logger: ApiKeyCacheLogger,
  label: string,
  intervalMs: number = CLIENT_ERROR_LOG_INTERVAL_MS,
): void {
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  client.on("error", (error: Error) => {
    const now = performance.now();
    if (now - lastLoggedAt < intervalMs) {
      suppressed++;
      return;
    }
    const held = suppressed === 0 ? "" : ` (${suppressed} similar errors not logged)`;
    lastLoggedAt = now;
    suppressed = 0;
    logger.warn(`${label}: Redis connection error: ${error.message}${held}`);
  });
}
