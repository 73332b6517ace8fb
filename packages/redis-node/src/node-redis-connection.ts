/**
 * Used by the invalidation bus (the backend runs on core's engine through
 * `node-redis-command-connection`). One node-redis client or cluster as this package drives it: raw commands with node-redis's
 * own per-command timeout turned off (an AbortSignal per command costs ~5-7x throughput; the
 * caller's `DeadlineQueue` bounds every call instead), waiting for readiness within a
 * deadline, and, for a client the package owns, connecting in the background. The tricky
 * point is a call that waited for readiness: once its deadline has passed its caller was told
 * the store is unavailable, so it is never sent (a late SET or UNLINK would land a write the
 * caller believes failed).
 */
import { ApiKeyCacheError, type ApiKeyCacheLogger } from "@apikey/core";
import { ReadinessGate } from "@apikey/core/redis";
import { connectInBackground } from "./node-redis-background-connect.js";
import {
  isNodeRedisCluster,
  type NodeRedisClient,
  type NodeRedisClientOrCluster,
  type NodeRedisCluster,
  type NodeRedisCommandOptions,
} from "./node-redis-client.js";

/** Per-command options for every raw command: node-redis's own timeout off. */
const RAW_COMMAND_OPTIONS: NodeRedisCommandOptions = Object.freeze({ timeout: 0 });

/** Rejects a call that became sendable only after its deadline (its caller has moved on). */
const LATE_MESSAGE = "the connection became ready after the call's deadline; not sent";

/** A client or cluster plus readiness tracking. */
export class NodeRedisConnection {
  readonly target: NodeRedisClientOrCluster;
  readonly #client: NodeRedisClient | undefined;
  readonly #cluster: NodeRedisCluster | undefined;
  readonly #owner: string;
  readonly #gate = new ReadinessGate();
  readonly #readyEvent: "ready" | "connect";
  readonly #onReady = (): void => this.#gate.open();
  #stopConnecting: () => void = () => {};
  #closed = false;

  constructor(target: NodeRedisClientOrCluster, owner: string) {
    this.target = target;
    this.#owner = owner;
    if (isNodeRedisCluster(target)) {
      this.#cluster = target;
      // A cluster emits "connect" once its slots are discovered and its masters connected.
      this.#readyEvent = "connect";
    } else {
      this.#client = target;
      this.#readyEvent = "ready";
    }
    target.on(this.#readyEvent, this.#onReady);
  }

  /** True when commands can be written right now. */
  get isReady(): boolean {
    return this.target.isReady;
  }

  /**
   * Send a raw command, waiting for readiness first (at most `timeoutMs`) if needed; a call
   * whose `timeoutMs` has passed by the time the connection is ready is not sent at all.
   * `firstKey` routes the command on a cluster; it is ignored by a standalone client.
   */
  send(firstKey: string | undefined, args: string[], timeoutMs: number): Promise<unknown> {
    if (this.target.isReady) return this.#send(firstKey, args);
    const startedAt = performance.now();
    return this.#gate.wait(timeoutMs).then(() => {
      // The caller has already been told "unavailable": sending now could land a stale write.
      if (performance.now() - startedAt >= timeoutMs) throw new Error(LATE_MESSAGE);
      return this.#send(firstKey, args);
    });
  }

  /** Connect an owned client in the background (see `node-redis-background-connect`). */
  connectInBackground(logger: ApiKeyCacheLogger): void {
    if (this.#closed) return;
    this.#stopConnecting = connectInBackground(this.target, logger, this.#owner);
  }

  /**
   * Stop waiting and detach. An owned client is closed gracefully (pending replies drained)
   * for at most `timeoutMs`, then destroyed; a caller's client is left open.
   */
  async close(owned: boolean, timeoutMs: number): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopConnecting();
    this.target.off(this.#readyEvent, this.#onReady);
    this.#gate.fail(new ApiKeyCacheError("E_CLOSED", `${this.#owner} is closed`));
    if (owned) await closeClient(this.target, timeoutMs);
  }

  #send(firstKey: string | undefined, args: string[]): Promise<unknown> {
    const cluster = this.#cluster;
    if (cluster === undefined) {
      return (this.#client as NodeRedisClient).sendCommand(args, RAW_COMMAND_OPTIONS);
    }
    // Never read from replicas: a lagging replica could still serve a revoked key.
    return cluster.sendCommand(firstKey, false, args, RAW_COMMAND_OPTIONS);
  }
}

/**
 * Close a client gracefully within `timeoutMs` (a hung server would keep `close()` waiting
 * for replies forever), then destroy it. Never throws.
 */
export async function closeClient(
  client: NodeRedisClientOrCluster | NodeRedisClient,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    if (client.isOpen) {
      await Promise.race([
        client.close(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
    }
  } catch {
    // Already closed, or closing failed: destroy() below releases the socket either way.
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    try {
      client.destroy();
    } catch {
      // destroy() of an already destroyed client: nothing left to release.
    }
  }
}
