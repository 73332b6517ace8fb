/**
 * The invalidation bus over node-redis: core's `RedisInvalidationBus` engine on a publisher
 * (a client or a cluster) and a dedicated standalone subscriber client (classic pub/sub spans
 * a cluster, so one node is enough). Only the client checks live here;
 * `node-redis-subscriber-connection.ts` drives the clients.
 */
import { ApiKeyCacheError, defaultLogger } from "@apikey/core";
import { RedisInvalidationBus, type RedisInvalidationBusSettings } from "@apikey/core/redis";
import {
  isNodeRedisClientLike,
  isNodeRedisCluster,
  type NodeRedisClient,
  type NodeRedisClientOrCluster,
} from "./node-redis-client.js";
import {
  NodeRedisPublishConnection,
  NodeRedisSubscriberConnection,
} from "./node-redis-subscriber-connection.js";

const OWNER = "NodeRedisInvalidationBus";

/** Options of {@link NodeRedisInvalidationBus}: the clients, and the settings of every Redis bus. */
export interface NodeRedisInvalidationBusOptions extends RedisInvalidationBusSettings {
  /** Publishes: a client (`createClient()`) or a cluster (`createCluster()`). */
  publisher: NodeRedisClientOrCluster;
  /**
   * A dedicated standalone client for SUBSCRIBE (not shared with anything else). For a
   * cluster, a client to any one node: classic pub/sub messages reach every node.
   */
  subscriber: NodeRedisClient;
}

/** Why `options` cannot make a bus, or `undefined`. */
function clientProblem({ publisher, subscriber }: NodeRedisInvalidationBusOptions) {
  if (!isNodeRedisClientLike(publisher)) return "publisher must be a node-redis client or cluster";
  if (!isNodeRedisClientLike(subscriber) || isNodeRedisCluster(subscriber)) {
    return "subscriber must be a standalone node-redis client (for a cluster, a client to any node)";
  }
  return (subscriber as unknown) === publisher
    ? "subscriber must be a dedicated connection, not the publisher (use publisher.duplicate())"
    : undefined;
}

/** An `InvalidationBus` over Redis pub/sub through node-redis. */
export class NodeRedisInvalidationBus extends RedisInvalidationBus {
  readonly publisher: NodeRedisClientOrCluster;
  readonly subscriber: NodeRedisClient;

  /**
   * Synchronous; a bus that owns its clients connects them in the background.
   * @throws ApiKeyCacheError `E_CONFIG` for missing or shared clients, an empty channel, or a
   * bad timeout, interval or logger.
   */
  constructor(options: NodeRedisInvalidationBusOptions) {
    const problem = clientProblem(options);
    if (problem) throw new ApiKeyCacheError("E_CONFIG", `${OWNER}: ${problem}`);
    const ownership = {
      owned: options.ownsClients === true,
      logger: options.logger ?? defaultLogger,
      owner: OWNER,
    };
    super({
      ...options,
      owner: OWNER,
      publisher: new NodeRedisPublishConnection(options.publisher, ownership),
      subscriber: new NodeRedisSubscriberConnection(options.subscriber, ownership),
    });
    this.publisher = options.publisher;
    this.subscriber = options.subscriber;
  }
}
