/**
 * Retrying a cluster command Redis refused with `CLUSTERDOWN`. With the default
 * `cluster-require-full-coverage yes`, every master refuses keyed commands with `CLUSTERDOWN`
 * from the moment a failed master is detected until its replica is promoted (about 1 s with
 * `cluster-node-timeout 1000`, 1.5-2.5 s after the master died), so a write to a key on a live
 * master fails too. ioredis retries
 * such a command every 100 ms (`retryDelayOnClusterDown`); node-redis's cluster client hands
 * the error to the caller at once. The adapter retries it the same way, within the call's
 * deadline: a retry goes out only while at least one retry delay is left before that deadline,
 * so the engine never has a write sent after it told the caller the write failed; a call that
 * waited for the cluster to become ready (its deadline started before it was sent) is not
 * retried. The refused command did not run, so sending it again is safe.
 */

import type { NodeRedisEvents } from "./node-redis-client.js";

/** Wait between two attempts of a command refused with `CLUSTERDOWN` (ioredis's default). */
export const NODE_REDIS_CLUSTER_DOWN_RETRY_MS = 100;

/** True for Redis's `CLUSTERDOWN` reply (the command was refused, not run). */
export function isClusterDownError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("CLUSTERDOWN");
}

/** Runs cluster commands, sending one again while Redis answers `CLUSTERDOWN` (bounded). */
export class ClusterDownRetry {
  readonly #deadlineMs: number;
  readonly #retryMs: number;
  readonly #cluster: NodeRedisEvents;
  /**
   * True from the cluster's `connect` event until the next turn of the event loop: the calls
   * that waited for readiness are sent in that turn (promise reactions of the event), with an
   * unknown part of their deadline used up, so they are not retried. Every later call is sent
   * the moment its deadline starts.
   */
  #readyTurn = false;
  readonly #onConnect = (): void => {
    this.#readyTurn = true;
    setImmediate(() => {
      this.#readyTurn = false;
    });
  };
  #stopped = false;

  /**
   * Follows `cluster`'s `connect` event (it became ready): calls that waited for it are not
   * retried (they are sent by promise reactions, after every listener of the event ran).
   * @param deadlineMs the deadline the engine gives each call (its `commandTimeoutMs`)
   * @param retryMs the wait between two attempts
   */
  constructor(
    cluster: NodeRedisEvents,
    deadlineMs: number,
    retryMs: number = NODE_REDIS_CLUSTER_DOWN_RETRY_MS,
  ) {
    this.#cluster = cluster;
    this.#deadlineMs = deadlineMs;
    this.#retryMs = retryMs;
    cluster.on("connect", this.#onConnect);
  }

  /** No more retries (the connection is closing); a waiting retry rejects with its error. */
  stop(): void {
    this.#stopped = true;
    this.#cluster.off("connect", this.#onConnect);
  }

  /** `attempt()`, and again every retry delay while it rejects `CLUSTERDOWN`, within the deadline. */
  run<T>(attempt: () => Promise<T>): Promise<T> {
    // Taken before the send: the engine starts the call's deadline right after it.
    const sentAt = performance.now();
    const first = attempt();
    if (this.#readyTurn) return first;
    // The last moment a retry may go out: one retry delay before the call's deadline.
    const lastRetryAt = sentAt + this.#deadlineMs - this.#retryMs;
    const retry = (error: unknown): Promise<T> => {
      if (this.#stopped || !isClusterDownError(error)) return Promise.reject(error);
      if (performance.now() + this.#retryMs > lastRetryAt) return Promise.reject(error);
      return new Promise<void>((resolve) => setTimeout(resolve, this.#retryMs)).then(() => {
        // A timer can fire late on a loaded machine: checked again before sending.
        if (this.#stopped || performance.now() > lastRetryAt) throw error;
        return attempt().catch(retry);
      });
    };
    return first.catch(retry);
  }
}
