/**
 * The invalidation bus over ioredis: core's `RedisInvalidationBus` engine on a publisher (a
 * `Redis` or a `Cluster`) and a dedicated single-node subscriber connection. What is left
 * here is checking the clients; `ioredis-subscriber-connection.ts` drives them.
 */
import { ApiKeyCacheError, DEFAULT_COMMAND_TIMEOUT_MS } from "@apikey/core";
import {
  RedisInvalidationBus,
  type RedisInvalidationBusOptions,
  type RedisInvalidationBusSettings,
} from "@apikey/core/redis";
import type { Redis } from "ioredis";
import { type IoredisClient, looksLikeIoredisClient } from "./ioredis-client.js";
import {
  IoredisPublishConnection,
  IoredisSubscriberConnection,
} from "./ioredis-subscriber-connection.js";

const OWNER = "IoredisInvalidationBus";

/** Options of {@link IoredisInvalidationBus}: the clients, and the settings of every Redis bus. */
export interface IoredisInvalidationBusOptions extends RedisInvalidationBusSettings {
  /** Connection PUBLISH goes to: a `Redis` or a `Cluster`. */
  publisher: IoredisClient;
  /**
   * A dedicated single-node connection for SUBSCRIBE (any node of a cluster). Do not use it
   * for anything else: once subscribed it may not run other commands.
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
  return {
    ...options,
    owner: OWNER,
    publisher: new IoredisPublishConnection(publisher, timeoutMs, OWNER),
    subscriber: new IoredisSubscriberConnection(subscriber),
  };
}
