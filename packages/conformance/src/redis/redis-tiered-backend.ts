/**
 * One process's tiered backend over Redis, built through a client package's `RedisDriver`:
 * its own L1, its own Redis connection (L2) and its own bus connections. Two of them on one
 * server and prefix behave like two processes sharing the cache.
 */
import {
  InMemoryApiKeyCacheBackend,
  invalidationChannel,
  type RedisDriver,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import { redisTestPrefix } from "./redis-test-prefix.js";

/** Options of {@link createRedisTieredBackend}. */
export interface RedisTieredBackendOptions {
  /** The server, e.g. `useRedisServer().url`. */
  url: string;
  /** Namespace of the L2 keys. */
  keyPrefix: string;
  /** The bus channel. @default invalidationChannel(keyPrefix) */
  channel?: string;
  /** L1 lifetime. @default the tiered backend's default */
  localTtlSeconds?: number;
}

/** A tiered backend whose L2 and bus `driver` builds (and the tiered backend owns). */
export function createRedisTieredBackend(
  driver: RedisDriver,
  options: RedisTieredBackendOptions,
): TieredApiKeyCacheBackend {
  const { url, keyPrefix } = options;
  return new TieredApiKeyCacheBackend({
    local: new InMemoryApiKeyCacheBackend(),
    remote: driver.createBackend({ url, keyPrefix, logger: silentLogger }),
    bus: driver.createInvalidationBus({
      url,
      channel: options.channel ?? invalidationChannel(keyPrefix),
      logger: silentLogger,
    }),
    ...(options.localTtlSeconds === undefined ? {} : { localTtlSeconds: options.localTtlSeconds }),
    logger: silentLogger,
  });
}

/** Options of {@link createRedisTieredPair}. */
export interface RedisTieredPairOptions {
  url: string;
  /** L1 lifetime of both instances. */
  localTtlSeconds: number;
  /** The second instance listens on another channel: it hears none of the first's messages. */
  deafPeer: boolean;
  /** The shared L2 namespace. @default a fresh random prefix */
  keyPrefix?: string;
}

/**
 * Two process-like tiered instances on one server and prefix (each its own L1, Redis
 * connection and bus), the shape `describeTieredRevocationRace` asks for.
 */
export function createRedisTieredPair(
  driver: RedisDriver,
  options: RedisTieredPairOptions,
): readonly [TieredApiKeyCacheBackend, TieredApiKeyCacheBackend] {
  const { url, localTtlSeconds } = options;
  const keyPrefix = options.keyPrefix ?? redisTestPrefix("tiered-race");
  const elsewhere = invalidationChannel(redisTestPrefix("elsewhere"));
  return [
    createRedisTieredBackend(driver, { url, keyPrefix, localTtlSeconds }),
    createRedisTieredBackend(driver, {
      url,
      keyPrefix,
      localTtlSeconds,
      ...(options.deafPeer ? { channel: elsewhere } : {}),
    }),
  ];
}
