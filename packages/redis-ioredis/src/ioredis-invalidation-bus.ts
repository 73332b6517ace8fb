/**
 * The invalidation bus over ioredis: core's `RedisInvalidationBus` engine on a publisher (a
 * `Redis` or a `Cluster`, driven like the backend's connection: PUBLISH goes through core's
 * command runner) and a dedicated single-node subscriber connection. What is left here is
 * checking the clients; `ioredis-subscriber-connection.ts` drives the subscriber.
 */
import { ApiKeyCacheError, DEFAULT_COMMAND_TIMEOUT_MS } from "@apikey/core";
import {
  RedisCommandPublishConnection,
  RedisInvalidationBus,
  type RedisInvalidationBusOptions,
  type RedisInvalidationBusSettings,
} from "@apikey/core/redis";
import type { Redis } from "ioredis";
import { type IoredisClient, isIoredisCluster, looksLikeIoredisClient } from "./ioredis-client.js";
import { IoredisConnection } from "./ioredis-connection.js";
import {
  IoredisSubscriberConnection,
  ioredisClusterNodes,
} from "./ioredis-subscriber-connection.js";

const OWNER = "IoredisInvalidationBus";

/** Options of {@link IoredisInvalidationBus}: the clients, and the settings of every Redis bus. */
export interface IoredisInvalidationBusOptions extends RedisInvalidationBusSettings {
  /** Connection PUBLISH goes to: a `Redis` or a `Cluster`. */
  publisher: IoredisClient;
  /**
   * A dedicated single-node connection for SUBSCRIBE (any node of a cluster). Do not use it
   * for anything else: once subscribed it may not run other commands. When the bus owns its
   * clients (`ownsClients`, as `ioredisDriver` builds it) and the publisher is a `Cluster`, a
   * lost subscriber reconnects to another live node of the cluster's current node list.
   */
  subscriber: Redis;
}

/** An `InvalidationBus` over Redis pub/sub with ioredis. */
export class IoredisInvalidationBus extends RedisInvalidationBus {
  readonly publisher: IoredisClient;
  readonly subscriber: Redis;

  /**
   * Synchronous and network-free (an owned client connects in the background).
   * @throws ApiKeyCacheError `E_CONFIG` for missing clients, a shared connection, an empty
   * channel, or a bad timeout, interval or logger.
   */
  constructor(options: IoredisInvalidationBusOptions) {
    super(onIoredisConnections(options));
    this.publisher = options.publisher;
    this.subscriber = options.subscriber;
  }
}

function onIoredisConnections(options: IoredisInvalidationBusOptions): RedisInvalidationBusOptions {
  const { publisher, subscriber } = options;
  let problem: string | undefined;
  if (!looksLikeIoredisClient(publisher)) problem = "publisher must be an ioredis client";
  else if (!looksLikeIoredisClient(subscriber) || subscriber.isCluster) {
    problem = "subscriber must be a single-node ioredis Redis connection (any node of a cluster)";
  } else if ((publisher as IoredisClient) === subscriber) {
    problem = "publisher and subscriber must be two connections (use redis.duplicate())";
  }
  if (problem !== undefined) throw new ApiKeyCacheError("E_CONFIG", `${OWNER}: ${problem}`);
  const timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const follow =
    options.ownsClients === true && isIoredisCluster(publisher)
      ? ioredisClusterNodes(publisher)
      : undefined;
  return {
    ...options,
    owner: OWNER,
    publisher: new RedisCommandPublishConnection(
      new IoredisConnection(publisher),
      timeoutMs,
      OWNER,
    ),
    subscriber: new IoredisSubscriberConnection(subscriber, follow),
  };
}
