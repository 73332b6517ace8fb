/**
 * The invalidation bus over node-redis: core's `RedisInvalidationBus` engine on a publisher
 * (a client or a cluster, driven like the backend's connection: PUBLISH goes through core's
 * command runner) and a dedicated standalone subscriber client (classic pub/sub spans a
 * cluster, so one node is enough). Only the client checks live here;
 * `node-redis-subscriber-connection.ts` drives the subscriber.
 */
import {
  ApiKeyCacheError,
  type ApiKeyCacheLogger,
  DEFAULT_COMMAND_TIMEOUT_MS,
  defaultLogger,
} from "@apikey/core";
import {
  createConnectionErrorLog,
  RedisCommandPublishConnection,
  RedisInvalidationBus,
  type RedisInvalidationBusSettings,
} from "@apikey/core/redis";
import {
  isNodeRedisClientLike,
  isNodeRedisCluster,
  type NodeRedisClient,
  type NodeRedisClientOrCluster,
} from "./node-redis-client.js";
import { NodeRedisCommandConnection } from "./node-redis-command-connection.js";
import {
  NodeRedisSubscriberConnection,
  nodeRedisClusterNodes,
  type SubscriberRelocation,
} from "./node-redis-subscriber-connection.js";

const OWNER = "NodeRedisInvalidationBus";

/** Options of {@link NodeRedisInvalidationBus}: the clients, and the settings of every Redis bus. */
export interface NodeRedisInvalidationBusOptions extends RedisInvalidationBusSettings {
  /** Publishes: a client (`createClient()`) or a cluster (`createCluster()`). */
  publisher: NodeRedisClientOrCluster;
  /**
   * A dedicated standalone client for SUBSCRIBE (not shared with anything else). For a
   * cluster, a client to any one node: classic pub/sub messages reach every node. When the
   * bus owns its clients (`ownsClients`, as `nodeRedisDriver` builds it) and the publisher is
   * a cluster, a lost subscriber is replaced by a client to another live node of the
   * cluster's current node list (`bus.subscriber` is then the new client).
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
  readonly #subscriber: NodeRedisSubscriberConnection;

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
    const publisher = new NodeRedisCommandConnection(options.publisher);
    const subscriber = new NodeRedisSubscriberConnection(
      options.subscriber,
      ownership,
      ownership.owned ? relocationOf(options, ownership.logger) : undefined,
    );
    super({
      ...options,
      owner: OWNER,
      publisher: new RedisCommandPublishConnection(
        publisher,
        options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
        OWNER,
      ),
      subscriber,
    });
    this.publisher = options.publisher;
    this.#subscriber = subscriber;
    if (ownership.owned) publisher.connectOwned(ownership.logger, OWNER);
  }

  /** The subscriber client in use now (a driver-built bus on a cluster may have moved). */
  get subscriber(): NodeRedisClient {
    return this.#subscriber.client;
  }
}

/**
 * For a cluster publisher: new subscriber clients are duplicates of the given one (same
 * socket options, credentials and TLS) pointed at another node, with the error log attached.
 */
function relocationOf(
  options: NodeRedisInvalidationBusOptions,
  logger: ApiKeyCacheLogger,
): SubscriberRelocation | undefined {
  const { publisher, subscriber } = options;
  if (!isNodeRedisCluster(publisher)) return undefined;
  const duplicable = subscriber as unknown as {
    options?: { socket?: Record<string, unknown> };
    duplicate?: (overrides: object) => NodeRedisClient;
  };
  const socket = duplicable.options?.socket;
  const { host, port } = socket ?? {};
  if (typeof duplicable.duplicate !== "function" || typeof host !== "string") return undefined;
  if (typeof port !== "number") return undefined;
  const log = createConnectionErrorLog(logger, `${OWNER} subscriber`);
  return {
    initial: { host, port },
    nodes: nodeRedisClusterNodes(publisher),
    create: (nextHost, nextPort) => {
      const client = (duplicable.duplicate as (overrides: object) => NodeRedisClient).call(
        subscriber,
        { url: undefined, socket: { ...socket, host: nextHost, port: nextPort } },
      );
      client.on("error", log);
      return client;
    },
  };
}
