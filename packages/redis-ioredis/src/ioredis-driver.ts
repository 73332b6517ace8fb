/**
 * The `RedisDriver` for ioredis: what `buildApiKeyCacheBackend` (and the demo's configuration)
 * uses to build Redis parts from a URL. Everything it creates owns its connections, starts
 * connecting in the background and is closed by `close()`.
 */
import type { RedisDriver } from "@apikey/core";
import {
  resolveRedisDriverBackendOptions,
  resolveRedisDriverOptions,
  warnOnNestedKeyPrefix,
} from "@apikey/core/redis";
import { IoredisApiKeyCacheBackend } from "./ioredis-backend.js";
import type { IoredisClient } from "./ioredis-client.js";
import {
  createOwnedIoredisClient,
  createOwnedIoredisSubscriber,
} from "./ioredis-client-options.js";
import { IoredisInvalidationBus } from "./ioredis-invalidation-bus.js";
import { rememberClientFactory } from "./ioredis-write-client.js";

/**
 * Builds {@link IoredisApiKeyCacheBackend}s and {@link IoredisInvalidationBus}es on new
 * connections with safe defaults (see the README's "Options").
 *
 * ```ts
 * const backend = buildApiKeyCacheBackend({ backend: "redis", redisUrl, redis: ioredisDriver });
 * ```
 */
export const ioredisDriver: RedisDriver = {
  name: "ioredis",

  createBackend(options) {
    const resolved = resolveRedisDriverBackendOptions(options, "ioredisDriver.createBackend");
    const client = createOwnedIoredisClient({ ...resolved, label: "ioredisDriver backend" });
    // The dedicated connection of revocationReplicas's writes, if the backend opens it.
    rememberClientFactory(client, () =>
      createOwnedIoredisClient({ ...resolved, label: "ioredisDriver backend revocation writes" }),
    );
    const backend = withClientReleasedOnThrow(
      [client],
      () => new IoredisApiKeyCacheBackend(client, { ...resolved, ownsClient: true }),
    );
    const { endpoint, keyPrefix, logger } = resolved;
    warnOnNestedKeyPrefix(endpoint.address, keyPrefix, logger, "ioredisDriver");
    return backend;
  },

  createInvalidationBus(options) {
    const resolved = resolveRedisDriverOptions(options, "ioredisDriver.createInvalidationBus");
    // The publisher is a cluster client when `cluster` is set (PUBLISH then follows the slot
    // map through failovers); the subscriber is one node, moved to another live node of the
    // publisher's node list when it is lost (classic pub/sub reaches every node).
    const publisher = createOwnedIoredisClient({
      ...resolved,
      label: "ioredisDriver bus publisher",
    });
    const subscriber = withClientReleasedOnThrow([publisher], () =>
      createOwnedIoredisSubscriber({ ...resolved, label: "ioredisDriver bus subscriber" }),
    );
    return withClientReleasedOnThrow(
      [publisher, subscriber],
      () =>
        new IoredisInvalidationBus({
          ...resolved,
          publisher,
          subscriber,
          channel: options.channel,
          ownsClients: true,
        }),
    );
  },
};

function withClientReleasedOnThrow<T>(clients: IoredisClient[], build: () => T): T {
  try {
    return build();
  } catch (error) {
    for (const client of clients) client.disconnect();
    throw error;
  }
}
