/**
 * `IoredisApiKeyCacheBackend`: core's Redis engine (`@apikey/core/redis`) on an
 * {@link IoredisConnection}, for an ioredis `Redis` or `Cluster`. Same wire format as
 * `@apikey/redis-node`.
 */
import type { CachedApiKey } from "@apikey/core";
import { RedisApiKeyCacheBackend, type RedisBackendOptions } from "@apikey/core/redis";
import type { IoredisClient } from "./ioredis-client.js";
import { ioredisConnectionOf } from "./ioredis-connection.js";

/**
 * The API-key cache over ioredis. Construction is synchronous and network-free: the client
 * connects on its own and calls wait for it within their deadline.
 *
 * ```ts
 * const backend = new IoredisApiKeyCacheBackend(new Redis(url), { keyPrefix: "apikey:" });
 * ```
 * @throws ApiKeyCacheError `E_CONFIG` for a missing client or a bad option.
 */
export class IoredisApiKeyCacheBackend<
  V extends CachedApiKey = CachedApiKey,
> extends RedisApiKeyCacheBackend<V> {
  constructor(
    /** The client commands go to (owned only if `ownsClient` was set). */
    readonly client: IoredisClient,
    options: IoredisApiKeyCacheBackendOptions = {},
  ) {
    super(
      ioredisConnectionOf(client, "IoredisApiKeyCacheBackend"),
      options,
      "IoredisApiKeyCacheBackend",
    );
  }
}

/**
 * `keyPrefix` (default `"apikey:"`; not empty, `clear()` removes every key under it),
 * `logger`, `commandTimeoutMs` (every call's deadline, the wait for the connection included;
 * default 1000), `ownsClient` (`close()` quits the client; set by `ioredisDriver`).
 */
export interface IoredisApiKeyCacheBackendOptions extends RedisBackendOptions {}
