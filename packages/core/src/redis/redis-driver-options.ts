/**
 * The option checks of a `RedisDriver`, whatever the client, done before any connection
 * exists so bad options never leave a socket behind.
 */
import type { ApiKeyCacheLogger } from "../logger.js";
import { defaultLogger } from "../logger.js";
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_KEY_PREFIX,
  type RedisDriverBackendOptions,
  type RedisDriverBusOptions,
} from "../redis-driver.js";
import {
  assertCommandTimeout,
  assertLogger,
  resolveRedisBackendOptions,
} from "./redis-backend-options.js";
import { assertKeyPrefix } from "./redis-keyspace.js";
import { parseRedisUrl, type RedisEndpoint } from "./redis-url.js";

/** Driver options checked, defaults filled in. */
export interface ResolvedRedisDriverOptions {
  readonly url: string;
  readonly endpoint: RedisEndpoint;
  readonly logger: ApiKeyCacheLogger;
  readonly commandTimeoutMs: number;
  readonly cluster: boolean;
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
  return { url: options.url, endpoint, logger, commandTimeoutMs, cluster };
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
}
