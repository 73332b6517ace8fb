/**
 * The Redis backend over node-redis, standalone or cluster: the engine of `@apikey/core/redis`
 * driving a {@link NodeRedisCommandConnection}; the wire format is the one of
 * `@apikey/redis-ioredis`.
 */
import { type CachedApiKey, defaultLogger } from "@apikey/core";
import {
  assertClientArgument,
  RedisApiKeyCacheBackend,
  type RedisBackendOptions,
} from "@apikey/core/redis";
import { isNodeRedisClientLike, type NodeRedisClientOrCluster } from "./node-redis-client.js";
import { NodeRedisCommandConnection } from "./node-redis-command-connection.js";

const OWNER = "NodeRedisApiKeyCacheBackend";

/**
 * The engine's options. `ownsClient` (default false; `nodeRedisDriver` sets it): the backend
 * connects the client in the background, retrying cluster discovery, and closes it on
 * `close()`. See {@link RedisBackendOptions} for `keyPrefix`, `logger`, `commandTimeoutMs`.
 */
export interface NodeRedisApiKeyCacheBackendOptions extends RedisBackendOptions {}

/**
 * An {@link ApiKeyCacheBackend} on `createClient()` or `createCluster()`. Entries are compact
 * JSON under `keyPrefix`, with millisecond TTLs. Construction never touches the network; calls
 * made before the client is ready wait for it within their deadline; store failures reject
 * `E_BACKEND_UNAVAILABLE`. With a client you pass in, keep node-redis's offline queue off
 * (`disableOfflineQueue`) if you can: with it on, a command queued while disconnected is
 * written after reconnecting, even though its caller already got the deadline error.
 */
export class NodeRedisApiKeyCacheBackend<
  V extends CachedApiKey = CachedApiKey,
> extends RedisApiKeyCacheBackend<V> {
  /** The client or cluster the backend sends commands through. */
  readonly client: NodeRedisClientOrCluster;

  constructor(client: NodeRedisClientOrCluster, options: NodeRedisApiKeyCacheBackendOptions = {}) {
    const expected = "a node-redis client (createClient()) or cluster (createCluster())";
    assertClientArgument(isNodeRedisClientLike(client), OWNER, expected);
    const logger = options.logger ?? defaultLogger;
    const connection = new NodeRedisCommandConnection(client, { logger, owner: OWNER });
    super(connection, options, OWNER);
    connection.retryClusterDownWithin(this.commandTimeoutMs);
    this.client = client;
    if (this.ownsClient) connection.connectOwned(logger, OWNER);
  }
}
