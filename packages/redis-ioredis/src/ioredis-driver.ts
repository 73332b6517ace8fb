/**
 * The `RedisDriver` for ioredis: what `buildApiKeyCacheBackend` (and the demo's configuration)
 * uses to build Redis parts from a URL. Everything it creates owns its connections, starts
 * connecting in the background and is closed by `close()`.
 */
import {
  type ApiKeyCacheBackend,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_KEY_PREFIX,
  defaultLogger,
  type InvalidationBus,
  type RedisDriver,
  type RedisDriverBackendOptions,
  type RedisDriverBusOptions,
} from "@apikey/core";
import {
  assertCommandTimeout,
  assertKeyPrefix,
  assertLogger,
  parseRedisUrl,
  warnOnNestedKeyPrefix,
} from "@apikey/core/redis";
import { IoredisApiKeyCacheBackend } from "./ioredis-backend.js";
import type { IoredisClient } from "./ioredis-client.js";
import {
  createOwnedIoredisClient,
  createOwnedIoredisSubscriber,
} from "./ioredis-client-options.js";
import { IoredisInvalidationBus } from "./ioredis-invalidation-bus.js";

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

  createBackend(options: RedisDriverBackendOptions): ApiKeyCacheBackend {
    const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    const logger = options.logger ?? defaultLogger;
    const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    // Checked before any connection exists, so bad options never leave a socket behind.
    assertKeyPrefix(keyPrefix, "ioredisDriver.createBackend");
    assertCommandTimeout(commandTimeoutMs, "ioredisDriver.createBackend");
    assertLogger(logger, "ioredisDriver.createBackend");
    const { address } = parseRedisUrl(options.url, "ioredisDriver.createBackend");
    const client = createOwnedIoredisClient({
      url: options.url,
      cluster: options.cluster === true,
      commandTimeoutMs,
      logger,
      label: "ioredisDriver backend",
    });
    const backend = withClientReleasedOnThrow(
      [client],
      () =>
        new IoredisApiKeyCacheBackend(client, {
          keyPrefix,
          logger,
          commandTimeoutMs,
          ownsClient: true,
        }),
    );
    warnOnNestedKeyPrefix(address, keyPrefix, logger, "ioredisDriver");
    return backend;
  },

  createInvalidationBus(options: RedisDriverBusOptions): InvalidationBus {
    const logger = options.logger ?? defaultLogger;
    const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    assertCommandTimeout(commandTimeoutMs, "ioredisDriver.createInvalidationBus");
    assertLogger(logger, "ioredisDriver.createInvalidationBus");
    // Classic pub/sub is broadcast to every node of a cluster, so one node (the seed) serves
    // both connections whether or not `cluster` is set.
    const publisher = createOwnedIoredisClient({
      url: options.url,
      cluster: false,
      commandTimeoutMs,
      logger,
      label: "ioredisDriver bus publisher",
    });
    const subscriber = withClientReleasedOnThrow([publisher], () =>
      createOwnedIoredisSubscriber({
        url: options.url,
        commandTimeoutMs,
        logger,
        label: "ioredisDriver bus subscriber",
      }),
    );
    return withClientReleasedOnThrow(
      [publisher, subscriber],
      () =>
        new IoredisInvalidationBus({
          publisher,
          subscriber,
          channel: options.channel,
          logger,
          commandTimeoutMs,
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
