/**
 * The parts of node-redis this package uses, typed structurally (as kysely types `pg`): any
 * `createClient()` or `createCluster()` result fits, whatever its modules, scripts or RESP
 * version, and core stays free of the client's heavy generic types.
 */
import { hasMemberTypes } from "@apikey/core/redis";

/** Options passed with every raw command (node-redis `CommandOptions` subset). */
export interface NodeRedisCommandOptions {
  /** node-redis's own per-command timeout; `0` turns it off. */
  timeout?: number;
}

/** An event source in the `EventEmitter` style. */
export interface NodeRedisEvents {
  // biome-ignore lint/suspicious/noExplicitAny: mirrors EventEmitter's listener type so real clients fit
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: mirrors EventEmitter's listener type so real clients fit
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/** The subset of a standalone node-redis client (`createClient()`) this package uses. */
export interface NodeRedisClient extends NodeRedisEvents {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: string[], options?: NodeRedisCommandOptions): Promise<unknown>;
  subscribe(
    channel: string,
    listener: (message: string, channel: string) => void,
  ): Promise<unknown>;
  unsubscribe(
    channel: string,
    listener?: (message: string, channel: string) => void,
  ): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
}

/** The subset of a node-redis cluster client (`createCluster()`) this package uses. */
export interface NodeRedisCluster extends NodeRedisEvents {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  /** The current masters; pass one to {@link NodeRedisCluster.nodeClient}. */
  readonly masters: readonly unknown[];
  /** The slot map (node-redis 5+): the shard serving each of the 16384 slots. */
  readonly slots?: readonly ({ readonly master: { readonly address: string } } | undefined)[];
  nodeClient(node: unknown): Promise<NodeRedisClient>;
  connect(): Promise<unknown>;
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: NodeRedisCommandOptions,
  ): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  /**
   * A pipeline on the master of `routing`'s slot (`multi(routing)...execAsPipeline()`): its
   * commands go in order on that node's socket, keyless ones included.
   */
  multi?(routing?: string): NodeRedisClusterPipeline;
}

/** The part of a node-redis cluster's `multi()` used as a pipeline. */
export interface NodeRedisClusterPipeline {
  addCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
  ): NodeRedisClusterPipeline;
  execAsPipeline(): Promise<unknown[]>;
}

/** A standalone client or a cluster. */
export type NodeRedisClientOrCluster = NodeRedisClient | NodeRedisCluster;

/** True for a cluster client (it has masters and per-node clients). */
export function isNodeRedisCluster(client: NodeRedisClientOrCluster): client is NodeRedisCluster {
  return (
    typeof (client as Partial<NodeRedisCluster>).nodeClient === "function" &&
    Array.isArray((client as Partial<NodeRedisCluster>).masters)
  );
}

/** True for something that looks like a node-redis client or cluster. */
export function isNodeRedisClientLike(candidate: unknown): candidate is NodeRedisClientOrCluster {
  const methods = ["sendCommand", "on", "close", "destroy"] as const;
  return hasMemberTypes(candidate, Object.fromEntries(methods.map((name) => [name, "function"])));
}
