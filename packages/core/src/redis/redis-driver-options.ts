/**
 * The option checks of a `RedisDriver`, whatever the client, done before any connection
 * exists so bad options never leave a socket behind: the URL (database index, Sentinel form),
 * the TLS settings, and the combinations a deployment cannot have (a database index or
 * Sentinel on a cluster, TLS settings on a plain URL).
 */
import { ApiKeyCacheError } from "../errors.js";
import type { ApiKeyCacheLogger } from "../logger.js";
import { defaultLogger } from "../logger.js";
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_KEY_PREFIX,
  type RedisDriverBackendOptions,
  type RedisDriverBusOptions,
  type RedisTlsOptions,
} from "../redis-driver.js";
import {
  assertCommandTimeout,
  assertLogger,
  resolveRedisBackendOptions,
} from "./redis-backend-options.js";
import { assertKeyPrefix } from "./redis-keyspace.js";
import { assertTlsOptions } from "./redis-tls-options.js";
import { parseRedisUrl, type RedisEndpoint } from "./redis-url.js";
import type { ResolvedRevocationReplicas } from "./revocation-replicas.js";

/** Credentials of the sentinels of a `redis+sentinel://` URL. */
export interface RedisSentinelAuth {
  readonly username?: string;
  readonly password?: string;
}

/** Driver options checked, defaults filled in. */
export interface ResolvedRedisDriverOptions {
  readonly url: string;
  readonly endpoint: RedisEndpoint;
  readonly logger: ApiKeyCacheLogger;
  readonly commandTimeoutMs: number;
  readonly cluster: boolean;
  /** The TLS settings of a `rediss://` URL (`{}` when the URL is `rediss://` without any). */
  readonly tls?: RedisTlsOptions;
  /** The sentinels' credentials, for a `redis+sentinel://` URL. */
  readonly sentinelAuth?: RedisSentinelAuth;
}

/** Check the options of `createBackend` or `createInvalidationBus`. @throws ApiKeyCacheError `E_CONFIG` */
export function resolveRedisDriverOptions(
  options: RedisDriverBackendOptions | RedisDriverBusOptions,
  owner: string,
): ResolvedRedisDriverOptions {
  const endpoint = parseRedisUrl(options.url, owner);
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  assertCommandTimeout(commandTimeoutMs, owner);
  const logger = options.logger ?? defaultLogger;
  assertLogger(logger, owner);
  const cluster = options.cluster === true;
  if (cluster && endpoint.database !== undefined && endpoint.database !== 0) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: the URL names database ${endpoint.database}, but a Redis Cluster has only database 0; ` +
        "drop the path of the URL (or give /0)",
    );
  }
  if (cluster && endpoint.sentinel !== undefined) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: cluster: true with a redis+sentinel:// URL; a cluster is not found through Sentinel`,
    );
  }
  const resolved: {
    -readonly [K in keyof ResolvedRedisDriverOptions]: ResolvedRedisDriverOptions[K];
  } = { url: options.url, endpoint, logger, commandTimeoutMs, cluster };
  if (options.tls !== undefined) {
    assertTlsOptions(options.tls, owner);
    if (!endpoint.tls) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${owner}: tls options need a rediss:// URL (this one is not TLS); use rediss://host:port`,
      );
    }
    resolved.tls = options.tls;
  } else if (endpoint.tls) {
    resolved.tls = {};
  }
  const sentinelAuth = resolveSentinelAuth(options, endpoint, owner);
  if (sentinelAuth !== undefined) resolved.sentinelAuth = sentinelAuth;
  return resolved;
}

function resolveSentinelAuth(
  options: RedisDriverBackendOptions | RedisDriverBusOptions,
  endpoint: RedisEndpoint,
  owner: string,
): RedisSentinelAuth | undefined {
  const { sentinelPassword, sentinelUsername } = options;
  for (const [name, value] of [
    ["sentinelPassword", sentinelPassword],
    ["sentinelUsername", sentinelUsername],
  ] as const) {
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${owner}: ${name} must be a non-empty string, got ${value === "" ? "an empty string" : `a ${typeof value}`}`,
      );
    }
    if (value !== undefined && endpoint.sentinel === undefined) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${owner}: ${name} is for a redis+sentinel:// URL, and this URL is not one`,
      );
    }
  }
  if (endpoint.sentinel === undefined) return undefined;
  return {
    ...(sentinelUsername === undefined ? {} : { username: sentinelUsername }),
    ...(sentinelPassword === undefined ? {} : { password: sentinelPassword }),
  };
}

/** {@link resolveRedisDriverOptions} plus the key prefix and read batching of `createBackend`. */
export function resolveRedisDriverBackendOptions(
  options: RedisDriverBackendOptions,
  owner: string,
): ResolvedRedisDriverBackendOptions {
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  assertKeyPrefix(keyPrefix, owner);
  const resolved = resolveRedisDriverOptions(options, owner);
  // Checked here too, so a bad one fails before the driver makes a client.
  const engine = resolveRedisBackendOptions({ ...options, logger: resolved.logger }, owner);
  return {
    ...resolved,
    keyPrefix,
    checkMaxmemoryPolicy: engine.checkMaxmemoryPolicy,
    negativeMarkersPerSecond: engine.negativeMarkersPerSecond,
    negativeTtlUnderPressureSeconds: engine.negativeTtlUnderPressureSeconds,
    batchReads: engine.batchReads,
    maxReadBatchSize: engine.maxReadBatchSize,
    revocationReplicas: engine.revocationReplicas,
  };
}

/** {@link ResolvedRedisDriverOptions} plus the backend's own options, for `createBackend`. */
export interface ResolvedRedisDriverBackendOptions extends ResolvedRedisDriverOptions {
  readonly keyPrefix: string;
  readonly checkMaxmemoryPolicy: boolean;
  readonly negativeMarkersPerSecond: number;
  readonly negativeTtlUnderPressureSeconds: number;
  readonly batchReads: boolean;
  readonly maxReadBatchSize: number;
  readonly revocationReplicas: ResolvedRevocationReplicas | undefined;
}
