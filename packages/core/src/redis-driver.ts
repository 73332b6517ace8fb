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

/**
 * TLS settings of a `rediss://` URL, passed to Node's `tls.connect`. PEM text or bytes; never
 * logged or quoted in an error.
 */
export interface RedisTlsOptions {
  /** CA certificate(s) the server's certificate must chain to. @default Node's bundled CAs */
  ca?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  /** Client certificate, for a server with `tls-auth-clients yes`. */
  cert?: string | Uint8Array;
  /** The client certificate's private key. */
  key?: string | Uint8Array;
  /** Name the server's certificate must carry (SNI too). @default the URL's host */
  servername?: string;
  /** Refuse a server whose certificate does not verify. @default true */
  rejectUnauthorized?: boolean;
}

/**
 * `revocationReplicas` of a Redis backend: a revocation write (the tombstone `revoke` stores,
 * the delete of `invalidate`) is acknowledged only once `replicas` replicas have it (`WAIT` on
 * the connection, on a cluster the node, that took the write).
 */
export interface RevocationReplicasOptions {
  /** Replicas that must have acknowledged a revocation write (an integer >= 1). */
  replicas: number;
  /**
   * Longest the backend waits for them, in ms (`WAIT`'s timeout): an integer >= 1, below the
   * backend's `commandTimeoutMs`, which bounds the write and the wait together.
   */
  timeoutMs: number;
}

/** Connection settings both option sets share. */
export interface RedisDriverConnectionOptions {
  /** TLS settings; only with a `rediss://` URL. */
  tls?: RedisTlsOptions;
  /**
   * Password of the sentinels of a `redis+sentinel://` URL (the URL's own credentials are
   * the master's and replicas'). @default none
   */
  sentinelPassword?: string;
  /** ACL user of the sentinels, with {@link sentinelPassword}. @default none */
  sentinelUsername?: string;
}

/** Options for {@link RedisDriver.createBackend}. */
export interface RedisDriverBackendOptions extends RedisDriverConnectionOptions {
  /**
   * `redis://` or `rediss://` URL of one node (for a cluster: any seed node), with an optional
   * database index (`/3`), or `redis+sentinel://host:26379[,host2:26379]/masterName[/db]`.
   */
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
  /**
   * Revocation writes (`revoke`'s tombstone, `invalidate`'s delete) wait for this many replicas
   * (`WAIT`), failing with `E_BACKEND_UNAVAILABLE` when fewer acknowledge within `timeoutMs`
   * (below `commandTimeoutMs`); see `RedisBackendOptions`. @default undefined (no wait)
   */
  revocationReplicas?: RevocationReplicasOptions | undefined;
}

/** Options for {@link RedisDriver.createInvalidationBus}. */
export interface RedisDriverBusOptions extends RedisDriverConnectionOptions {
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
