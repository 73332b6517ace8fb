/**
 * The seam between core and a Redis client package. Core never imports a Redis client: a
 * driver (`ioredisDriver`, `nodeRedisDriver`) builds backends and buses that own their client.
 */
import type { ApiKeyCacheBackend } from "./backend.js";
import type { InvalidationBus } from "./invalidation-bus.js";
import type { ApiKeyCacheLogger } from "./logger.js";

/**
 * The default key prefix of a Redis backend (the original Python module used `game:apikey:`; see
 * docs/architecture.md, "The original Python module").
 */
export const DEFAULT_KEY_PREFIX = "apikey:";

/** The default deadline of a Redis call, in milliseconds. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

/** Options for {@link RedisDriver.createBackend}. */
export interface RedisDriverBackendOptions {
  /** `redis://` or `rediss://` URL of one node (for a cluster: any seed node). */
  url: string;
  /** Namespace of every key; must not be empty. @default "apikey:" */
  keyPrefix?: string;
  logger?: ApiKeyCacheLogger;
  /** Deadline of every Redis call. @default 1000 */
  commandTimeoutMs?: number;
  /** Treat the URL as a Redis Cluster seed. @default false */
  cluster?: boolean;
  /** Warn once if the server's `maxmemory-policy` may evict this cache's entries. @default true */
  checkMaxmemoryPolicy?: boolean;
  /** Not-found markers stored per second with their full TTL; see `RedisBackendOptions`. @default Infinity */
  negativeMarkersPerSecond?: number;
  /** TTL of a not-found marker over `negativeMarkersPerSecond`, in seconds (0: none). @default 0 */
  negativeTtlUnderPressureSeconds?: number;
  /** Send the `get` and `getWithTtl` calls of one tick as one command per batch. @default true */
  batchReads?: boolean;
  /** Most keys in one batched read command (1 to 10000). @default 128 */
  maxReadBatchSize?: number;
}

/** Options for {@link RedisDriver.createInvalidationBus}. */
export interface RedisDriverBusOptions {
  url: string;
  /** Pub/sub channel, usually `invalidationChannel(keyPrefix)`. */
  channel: string;
  logger?: ApiKeyCacheLogger;
  /** Deadline of publish and of the subscriber's health pings. @default 1000 */
  commandTimeoutMs?: number;
  /** Treat the URL as a Redis Cluster seed. @default false */
  cluster?: boolean;
}

/** Builds Redis-backed parts that own their client (safe defaults, closed by `close()`). */
export interface RedisDriver {
  /** The client library, e.g. `"ioredis"` or `"node-redis"`. */
  readonly name: string;
  /** A backend on a new client; never blocks on the network. */
  createBackend(options: RedisDriverBackendOptions): ApiKeyCacheBackend;
  /** A bus on new publisher and subscriber connections; never blocks on the network. */
  createInvalidationBus(options: RedisDriverBusOptions): InvalidationBus;
}
