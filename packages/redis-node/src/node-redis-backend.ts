/**
 * The Redis backend over node-redis, standalone or cluster: core's Redis engine
 * (`@apikey/core/redis`) on a {@link NodeRedisCommandConnection}. Same wire format as
 * `@apikey/redis-ioredis`.
 */
import { ApiKeyCacheError, type CachedApiKey, defaultLogger } from "@apikey/core";
import { RedisApiKeyCacheBackend, type RedisBackendOptions } from "@apikey/core/redis";
import { isNodeRedisClientLike, type NodeRedisClientOrCluster } from "./node-redis-client.js";
import { NodeRedisCommandConnection } from "./node-redis-command-connection.js";

const OWNER = "NodeRedisApiKeyCacheBackend";

/**
 * Options of {@link NodeRedisApiKeyCacheBackend}: `keyPrefix` (default `"apikey:"`, never
 * empty: `clear()` removes everything under it), `logger`, `commandTimeoutMs` (deadline of
 * every round trip, waiting for the connection included; default 1000) and `ownsClient` (the
 * backend connects the client in the background, retrying cluster discovery, and closes it on
 * `close()`; `nodeRedisDriver` sets it for the clients it creates; default false).
 */
export interface NodeRedisApiKeyCacheBackendOptions extends RedisBackendOptions {}

/**
 * An {@link ApiKeyCacheBackend} on Redis through node-redis (`createClient()` or
 * `createCluster()`). Entries are compact JSON under `keyPrefix`, with millisecond TTLs.
 *
 * Construction never touches the network. Calls made before the client is ready wait for it
 * within their deadline; store failures reject with `ApiKeyCacheError` `E_BACKEND_UNAVAILABLE`.
 * With a client you pass in, keep node-redis's offline queue off (`disableOfflineQueue`) if
 * you can: with it on, a command queued while disconnected is written after reconnecting,
 * even though its caller already got the deadline error.
 */
export class NodeRedisApiKeyCacheBackend<
  V extends CachedApiKey = CachedApiKey,
> extends RedisApiKeyCacheBackend<V> {
  /** The client or cluster the backend sends commands through. */
  readonly client: NodeRedisClientOrCluster;

  constructor(client: NodeRedisClientOrCluster, options: NodeRedisApiKeyCacheBackendOptions = {}) {
    if (!isNodeRedisClientLike(client)) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${OWNER}: client must be a node-redis client (createClient()) or cluster (createCluster())`,
      );
    }
    const connection = new NodeRedisCommandConnection(client);
    super(connection, options, OWNER);
    this.client = client;
    if (this.ownsClient) connection.connectOwned(options.logger ?? defaultLogger, OWNER);
  }
}
