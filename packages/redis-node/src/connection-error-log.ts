/**
 * The `error` listener every owned client gets. node-redis emits `error` on each failed
 * reconnect attempt, and an emitter without a listener throws it, crashing the process; so
 * the listener must exist, and must not flood the log while Redis is down.
 */
import type { ApiKeyCacheLogger } from "@apikey/core";
import type { NodeRedisEvents } from "./node-redis-client.js";

/** At most one connection-error log line per this many ms per client. */
export const CONNECTION_ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Attach an `error` listener that logs at most once per `intervalMs`, counting what it
 * skipped. Returns the listener (to detach it with `off("error", listener)`).
 */
export function logConnectionErrors(
  client: NodeRedisEvents,
  logger: ApiKeyCacheLogger,
  label: string,
  intervalMs: number = CONNECTION_ERROR_LOG_INTERVAL_MS,
): (error: unknown) => void {
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let skipped = 0;
  const listener = (error: unknown): void => {
    const now = performance.now();
    if (now - lastLoggedAt < intervalMs) {
      skipped++;
      return;
    }
    lastLoggedAt = now;
    const message = error instanceof Error ? error.message : String(error);
    const suffix = skipped > 0 ? ` (${skipped} more since the last report)` : "";
    skipped = 0;
    logger.warn(`${label}: Redis connection error: ${message}${suffix}`);
  };
  client.on("error", listener);
  return listener;
}
