/**
 * Backend selection from configuration (the original Python module's
 * `build_apikey_cache_backend`, see docs/architecture.md, "The original Python module"), with
 * the stricter handling of unknown names: a typo is a configuration error, not silently memory.
 */
import type { ApiKeyCacheBackend } from "./backend.js";
import { ApiKeyCacheError } from "./errors.js";
import { type InvalidationBus, invalidationChannel } from "./invalidation-bus.js";
import { type ApiKeyCacheLogger, defaultLogger } from "./logger.js";
import { InMemoryApiKeyCacheBackend } from "./memory-backend.js";
import { resolveRedisBackendOptions } from "./redis/redis-backend-options.js";
import type {
  RedisDriver,
  RedisDriverBackendOptions,
  RedisTlsOptions,
  RevocationReplicasOptions,
} from "./redis-driver.js";
import { DEFAULT_KEY_PREFIX } from "./redis-driver.js";
import { TieredApiKeyCacheBackend } from "./tiered-backend.js";

/** The backend names {@link buildApiKeyCacheBackend} accepts. */
export const BACKEND_NAMES: readonly ["memory", "redis", "tiered"] = ["memory", "redis", "tiered"];

/** A backend name. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Options of {@link buildApiKeyCacheBackend}. */
export interface BuildApiKeyCacheBackendOptions {
  /** `"memory"`, `"redis"` or `"tiered"`; trimmed, case-insensitive. @default "memory" */
  backend?: string | undefined;
  /** Redis URL for `"redis"` and `"tiered"`. */
  redisUrl?: string | undefined;
  /** Key prefix in Redis. @default "apikey:" */
  redisKeyPrefix?: string | undefined;
  /** The Redis client package's driver (`ioredisDriver` or `nodeRedisDriver`). */
  redis?: RedisDriver | undefined;
  /** What to do when Redis is selected but `redisUrl` is empty. @default "fallback" (memory, with a warning) */
  onMissingRedisUrl?: "fallback" | "throw";
  /** Deadline of every Redis call. @default 1000 */
  commandTimeoutMs?: number;
  /** `redisUrl` is a seed node of a Redis Cluster. @default false */
  cluster?: boolean;
  /** The Redis backend sends the reads of one tick as one command per batch. @default true */
  batchReads?: boolean;
  /** Most keys in one batched Redis read (1 to 10000). @default 128 */
  maxReadBatchSize?: number;
  /** TLS settings (CA, client certificate and key, server name) for a `rediss://` `redisUrl`. */
  redisTls?: RedisTlsOptions;
  /** Password (and ACL user) of the sentinels of a `redis+sentinel://` `redisUrl`. */
  redisSentinelPassword?: string;
  redisSentinelUsername?: string;
  /**
   * Once connected, warn once if the Redis `maxmemory-policy` may evict this cache's entries
   * (tombstones included). @default true
   */
  checkMaxmemoryPolicy?: boolean;
  /**
   * Not-found markers the Redis backend stores per second with their full TTL; markers over it
   * get `negativeTtlUnderPressureSeconds`. A whole number >= 0 or `Infinity`. @default Infinity
   */
  negativeMarkersPerSecond?: number;
  /** TTL of a not-found marker over `negativeMarkersPerSecond`, in seconds (0: none). @default 0 */
  negativeTtlUnderPressureSeconds?: number;
  /**
   * Revocation writes (`revoke`'s tombstone, `invalidate`'s delete) are acknowledged only once
   * `replicas` Redis replicas have them (`WAIT`, `timeoutMs` below `commandTimeoutMs`); fewer
   * fail the write with `E_BACKEND_UNAVAILABLE`. @default undefined (the master's word suffices)
   */
  revocationReplicas?: RevocationReplicasOptions;
  /** Entries kept by the memory backend (and by the tiered backend's L1). @default 10000 */
  maxEntries?: number;
  /**
   * Not-found markers kept by the memory backend (and the tiered L1), apart from `maxEntries`.
   * @default ceil(maxEntries / 4)
   */
  maxNegativeEntries?: number;
  /** The tiered backend's L1 lifetime. @default 5 */
  localTtlSeconds?: number;
  logger?: ApiKeyCacheLogger;
}

/** Parse a backend name. @throws ApiKeyCacheError `E_CONFIG` for an unknown name. */
export function parseBackendName(name: string | undefined): BackendName {
  if (name !== undefined && typeof name !== "string") {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `the API-key cache backend name must be a string; valid names: ${BACKEND_NAMES.join(", ")}`,
    );
  }
  const normalized = (name ?? "").trim().toLowerCase() || "memory";
  if ((BACKEND_NAMES as readonly string[]).includes(normalized)) return normalized as BackendName;
  throw new ApiKeyCacheError(
    "E_CONFIG",
    `unknown API-key cache backend "${name}"; valid names: ${BACKEND_NAMES.join(", ")}`,
  );
}

/**
 * Build the configured backend. Synchronous: a Redis backend connects in the background.
 * @throws ApiKeyCacheError `E_CONFIG` for an unknown name, or Redis selected without a driver.
 */
export function buildApiKeyCacheBackend(
  options: BuildApiKeyCacheBackendOptions = {},
): ApiKeyCacheBackend {
  const logger = options.logger ?? defaultLogger;
  const name = parseBackendName(options.backend);
  const memory = (): InMemoryApiKeyCacheBackend =>
    new InMemoryApiKeyCacheBackend({
      ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
      ...(options.maxNegativeEntries === undefined
        ? {}
        : { maxNegativeEntries: options.maxNegativeEntries }),
    });
  if (name === "memory") return memory();
  // Checked before the URL: a bad option fails even where a missing URL falls back to memory.
  const engineOptions = redisEngineOptions(options);

  const redisUrl = (options.redisUrl ?? "").trim();
  if (redisUrl === "") {
    // Worded in terms of this function's options: core reads no environment variable (an
    // application that maps env vars onto these options can add its own wording).
    const message = `buildApiKeyCacheBackend: backend "${name}" needs redisUrl, but redisUrl is empty`;
    if (options.onMissingRedisUrl === "throw") {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${message}; pass redisUrl, or backend: "memory" for the in-process cache`,
      );
    }
    logger.warn(
      `${message}; falling back to the in-process API key cache (backend "memory"). Pass redisUrl, or onMissingRedisUrl: "throw" to fail instead.`,
    );
    return memory();
  }
  const driver = options.redis;
  if (driver === undefined) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `backend "${name}" needs a Redis driver: pass redis: ioredisDriver (@apikey/redis-ioredis) or nodeRedisDriver (@apikey/redis-node)`,
    );
  }
  const redisKeyPrefix = options.redisKeyPrefix ?? DEFAULT_KEY_PREFIX;
  const connection = {
    url: redisUrl,
    logger,
    ...(options.commandTimeoutMs === undefined
      ? {}
      : { commandTimeoutMs: options.commandTimeoutMs }),
    ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    ...(options.redisTls === undefined ? {} : { tls: options.redisTls }),
    ...(options.redisSentinelPassword === undefined
      ? {}
      : { sentinelPassword: options.redisSentinelPassword }),
    ...(options.redisSentinelUsername === undefined
      ? {}
      : { sentinelUsername: options.redisSentinelUsername }),
  };
  const remote = driver.createBackend({
    ...connection,
    keyPrefix: redisKeyPrefix,
    ...engineOptions,
  });
  if (name === "redis") return remote;
  let bus: InvalidationBus | undefined;
  try {
    bus = driver.createInvalidationBus({
      ...connection,
      channel: invalidationChannel(redisKeyPrefix),
    });
    return new TieredApiKeyCacheBackend({
      local: memory(),
      remote,
      bus,
      logger,
      ...(options.localTtlSeconds === undefined
        ? {}
        : { localTtlSeconds: options.localTtlSeconds }),
    });
  } catch (error) {
    // A bad option or a bus that could not be built: release what the driver already
    // created before reporting it.
    void Promise.allSettled([remote.close(), bus?.close()]);
    throw error;
  }
}

/** The engine options of {@link BuildApiKeyCacheBackendOptions} that were given. */
type RedisEngineOptions = Pick<
  RedisDriverBackendOptions,
  | "batchReads"
  | "maxReadBatchSize"
  | "checkMaxmemoryPolicy"
  | "negativeMarkersPerSecond"
  | "negativeTtlUnderPressureSeconds"
  | "revocationReplicas"
>;

const ENGINE_OPTION_NAMES = [
  "batchReads",
  "maxReadBatchSize",
  "checkMaxmemoryPolicy",
  "negativeMarkersPerSecond",
  "negativeTtlUnderPressureSeconds",
  "revocationReplicas",
] as const satisfies ReadonlyArray<keyof RedisEngineOptions>;

/**
 * The Redis backend options given (left out when not, so the driver's defaults apply),
 * checked as the engine checks them.
 * @throws ApiKeyCacheError `E_CONFIG` naming the option and why.
 */
function redisEngineOptions(options: BuildApiKeyCacheBackendOptions): RedisEngineOptions {
  const given: Record<string, unknown> = {};
  for (const name of ENGINE_OPTION_NAMES) {
    if (options[name] !== undefined) given[name] = options[name];
  }
  resolveRedisBackendOptions(
    {
      ...given,
      ...(options.commandTimeoutMs === undefined
        ? {}
        : { commandTimeoutMs: options.commandTimeoutMs }),
    },
    "buildApiKeyCacheBackend",
  );
  return given as RedisEngineOptions;
}
