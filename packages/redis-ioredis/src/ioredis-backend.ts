/**
 * The API-key cache over ioredis, on one node or a Redis Cluster: core's Redis engine
 * (`@apikey/core/redis`) on an {@link IoredisConnection}. Same wire format as
 * `@apikey/redis-node`.
 */
import { ApiKeyCacheError, type CachedApiKey } from "@apikey/core";
import { RedisApiKeyCacheBackend, type RedisBackendOptions } from "@apikey/core/redis";
import { type IoredisClient, looksLikeIoredisClient } from "./ioredis-client.js";
import { IoredisConnection } from "./ioredis-connection.js";

const OWNER = "IoredisApiKeyCacheBackend";

/**
 * Options of {@link IoredisApiKeyCacheBackend}: `keyPrefix` (default `"apikey:"`, never
 * empty: `clear()` removes every key under it), `logger`, `commandTimeoutMs` (deadline of
 * every call, waiting for the connection included; default 1000) and `ownsClient` (close the
 * client in `close()`; `ioredisDriver` sets it for the client it creates; default false).
 */
export interface IoredisApiKeyCacheBackendOptions extends RedisBackendOptions {}

/**
 * An {@link ApiKeyCacheBackend} over an ioredis `Redis` or `Cluster`.
 *
 * ```ts
 * const backend = new IoredisApiKeyCacheBackend(new Redis(url), { keyPrefix: "apikey:" });
 * ```
 */
export class IoredisApiKeyCacheBackend<
  V extends CachedApiKey = CachedApiKey,
> extends RedisApiKeyCacheBackend<V> {
  /** The client commands go to (owned only if `ownsClient` was set). */
  readonly client: IoredisClient;

  /**
   * Synchronous and network-free: the client connects on its own; calls wait for it within
   * their deadline.
   * @throws ApiKeyCacheError `E_CONFIG` for a missing client, an empty prefix, a bad timeout
   * or logger.
   */
  constructor(client: IoredisClient, options: IoredisApiKeyCacheBackendOptions = {}) {
    if (!looksLikeIoredisClient(client)) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${OWNER}: the first argument must be an ioredis Redis or Cluster client`,
      );
    }
    super(new IoredisConnection(client), options, OWNER);
    this.client = client;
  }
}
