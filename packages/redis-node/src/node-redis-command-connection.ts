/**
 * A node-redis client or cluster as core's Redis engine drives it: raw `sendCommand` with
 * node-redis's own per-command timeout off (an AbortSignal per command costs ~5-7x
 * throughput; the engine's deadline bounds every call), routed to the key's master on a
 * cluster (never a replica: a lagging one could still serve a revoked key), readiness from
 * `isReady` and the ready/error/end events, and a close that drains an owned client within
 * its deadline. A socket the engine found unresponsive is replaced (the client, a cluster's
 * silent master or a Sentinel client's master connection): see
 * `node-redis-socket-replacement.ts`. Given the engine's deadline, a cluster command Redis
 * refused with `CLUSTERDOWN` (another master's failover) is sent again within it. A cluster
 * PUBLISH goes to a ready master (`node-redis-cluster-publish.ts`).
 */
import type { ApiKeyCacheLogger } from "@apikey/core";
import {
  clusterKeySlot,
  type RedisCommandConnection,
  type RedisConnectionListener,
  type RedisMasterNode,
} from "@apikey/core/redis";
import { connectInBackground } from "./node-redis-background-connect.js";
import {
  isNodeRedisCluster,
  type NodeRedisClient,
  type NodeRedisClientOrCluster,
  type NodeRedisCluster,
  type NodeRedisCommandOptions,
} from "./node-redis-client.js";
import { closeClient } from "./node-redis-close-client.js";
import { ClusterDownRetry } from "./node-redis-cluster-down-retry.js";
import { publishOnReadyMaster } from "./node-redis-cluster-publish.js";
import { replaceUnresponsiveClientSocket } from "./node-redis-socket-replacement.js";
import { openClientLike } from "./node-redis-write-client.js";

/** Where a connection this one opens (`openWriteConnection`) reports its connect failures. */
export interface NodeRedisConnectionLog {
  logger: ApiKeyCacheLogger;
  owner: string;
}

/** Per-command options for every raw command: node-redis's own timeout off. */
const RAW: NodeRedisCommandOptions = Object.freeze({ timeout: 0 });

/** The connection of a node-redis backend. */
export class NodeRedisCommandConnection implements RedisCommandConnection {
  readonly isCluster: boolean;
  readonly #target: NodeRedisClientOrCluster;
  /** Set by {@link retryClusterDownWithin} on a cluster. */
  #clusterDown: ClusterDownRetry | undefined;
  #clusterDownWithinMs: number | undefined;
  #stopConnecting: () => void = () => {};
  #closing = false;
  readonly #log: NodeRedisConnectionLog | undefined;

  /** @param log for {@link openWriteConnection}; without it, none is opened. */
  constructor(target: NodeRedisClientOrCluster, log?: NodeRedisConnectionLog) {
    this.#target = target;
    this.#log = log;
    this.isCluster = isNodeRedisCluster(target);
  }

  /**
   * On a cluster, send a command Redis refused with `CLUSTERDOWN` again within
   * `commandTimeoutMs`, the engine's deadline per call (see `node-redis-cluster-down-retry.ts`).
   */
  retryClusterDownWithin(commandTimeoutMs: number): void {
    if (this.isCluster && this.#clusterDown === undefined && !this.#closing) {
      this.#clusterDown = new ClusterDownRetry(this.#target, commandTimeoutMs);
      this.#clusterDownWithinMs = commandTimeoutMs;
    }
  }

  get isReady(): boolean {
    return this.#target.isReady;
  }

  send(routingKey: string, argv: string[]): Promise<unknown> {
    if (!this.isCluster) return (this.#target as NodeRedisClient).sendCommand(argv, RAW);
    const cluster = this.#target as NodeRedisCluster;
    // node-redis would send it to any node it knows, a dead one included.
    if (argv[0] === "PUBLISH") {
      return publishOnReadyMaster(cluster, clusterKeySlot(routingKey), routingKey, argv, RAW);
    }
    const send = (): Promise<unknown> => cluster.sendCommand(routingKey, false, argv, RAW);
    return this.#clusterDown === undefined ? send() : this.#clusterDown.run(send);
  }

  /** The master's address in the cluster's slot map (`slots[slot].master.address`). */
  masterOfSlot(slot: number): string | undefined {
    return this.isCluster
      ? (this.#target as NodeRedisCluster).slots?.[slot]?.master.address
      : undefined;
  }

  /**
   * A write and the `WAIT` behind it, in order on one socket. Standalone: sent in one tick.
   * Cluster: one pipeline on the key's master (`multi(key).execAsPipeline()`), because a raw
   * keyless `WAIT` follows its command policy (`all_shards`, the smallest count of every
   * master); a MOVED write is not retried with its `WAIT`, the caller retries. A cluster
   * without `multi` gets the fan-out, which can only under-count.
   */
  async sendInOrder(routingKey: string, commands: string[][]): Promise<readonly unknown[]> {
    const target = this.#target;
    if (!isNodeRedisCluster(target) || target.multi === undefined) {
      return Promise.all(commands.map((argv) => this.send(routingKey, argv)));
    }
    const multi = target.multi.bind(target);
    const send = async (): Promise<readonly unknown[]> => {
      const pipeline = multi(routingKey);
      for (const argv of commands) pipeline.addCommand(routingKey, false, argv);
      const replies = await pipeline.execAsPipeline();
      const failed = replies.find((reply) => reply instanceof Error);
      if (failed !== undefined) throw failed;
      return replies;
    };
    return this.#clusterDown === undefined ? send() : this.#clusterDown.run(send);
  }

  /**
   * A new client like this one (see `node-redis-write-client.ts`), connected in the
   * background, for the revocation writes.
   */
  openWriteConnection(): RedisCommandConnection | undefined {
    const log = this.#log;
    if (log === undefined || this.#closing) return undefined;
    const client = openClientLike(this.#target);
    if (client === undefined) return undefined;
    const connection = new NodeRedisCommandConnection(client);
    // Revocation writes meet the same CLUSTERDOWN window as the others.
    if (this.#clusterDownWithinMs !== undefined) {
      connection.retryClusterDownWithin(this.#clusterDownWithinMs);
    }
    connection.connectOwned(log.logger, log.owner);
    return connection;
  }

  async masters(): Promise<readonly RedisMasterNode[]> {
    const target = this.#target;
    const clients = isNodeRedisCluster(target)
      ? await Promise.all(target.masters.map((master) => target.nodeClient(master)))
      : [target];
    if (!isNodeRedisCluster(target)) {
      return clients.map((client) => ({ send: (argv: string[]) => client.sendCommand(argv, RAW) }));
    }
    return clients.map((client) => ({
      send: (argv: string[]) => client.sendCommand(argv, RAW),
      // That master's socket only; the cluster keeps the node's client object.
      replaceUnresponsiveSocket: () => {
        if (!this.#closing) replaceUnresponsiveClientSocket(client);
      },
    }));
  }

  listen(listener: RedisConnectionListener): () => void {
    const target = this.#target;
    // A cluster emits "connect" once its slots are discovered and its masters connected.
    const readyEvent = this.isCluster ? "connect" : "ready";
    const onReady = (): void => listener.ready();
    const onError = (error: unknown): void => listener.lost(error);
    const onEnd = (): void => listener.lost(undefined);
    target.on(readyEvent, onReady);
    target.on("error", onError);
    target.on("node-error", onError);
    target.on("end", onEnd);
    return () => {
      target.off(readyEvent, onReady);
      target.off("error", onError);
      target.off("node-error", onError);
      target.off("end", onEnd);
    };
  }

  /** A caller's client is connected by the caller; an owned one by {@link connectOwned}. */
  requestConnect(): void {}

  /** Connect an owned client in the background, retrying a cluster's discovery. */
  connectOwned(logger: ApiKeyCacheLogger, owner: string): void {
    this.#stopConnecting = connectInBackground(this.#target, logger, owner);
  }

  replaceUnresponsiveSocket(): void {
    const target = this.#target;
    // A cluster's silent masters are replaced one by one, through masters().
    if (this.#closing || isNodeRedisCluster(target)) return;
    replaceUnresponsiveClientSocket(target);
  }

  close(owned: boolean, timeoutMs: number): Promise<void> {
    this.#closing = true;
    this.#clusterDown?.stop();
    this.#stopConnecting();
    return owned ? closeClient(this.#target, timeoutMs) : Promise.resolve();
  }
}
