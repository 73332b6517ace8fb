/**
 * Connecting a client the package owns, in the background (construction never blocks). A
 * standalone client retries by itself (its reconnect strategy never gives up); a cluster's
 * first discovery fails once when no seed answers, so it is retried here with core's backoff
 * until it succeeds or the returned stop function is called.
 */
import type { ApiKeyCacheLogger } from "@apikey/core";
import { reconnectDelayAfter, safeCause } from "@apikey/core/redis";
import { isNodeRedisCluster, type NodeRedisClientOrCluster } from "./node-redis-client.js";

/** Start connecting `target` unless it is open; returns a function that stops retrying. */
export function connectInBackground(
  target: NodeRedisClientOrCluster,
  logger: ApiKeyCacheLogger,
  owner: string,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
  if (target.isOpen) return stop;
  if (!isNodeRedisCluster(target)) {
    target.connect().catch((error: unknown) => {
      if (!stopped) logger.error(`${owner}: Redis connection gave up`, safeCause(error));
    });
    return stop;
  }
  const attempt = (retries: number): void => {
    timer = undefined;
    if (stopped || target.isOpen) return;
    target.connect().catch((error: unknown) => {
      if (stopped) return;
      logger.debug(`${owner}: cluster discovery failed, retrying`, safeCause(error));
      timer = setTimeout(() => attempt(retries + 1), reconnectDelayAfter(retries + 1, error));
    });
  };
  attempt(0);
  return stop;
}
