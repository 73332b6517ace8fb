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
  resolveReadBatching,
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
): ResolvedRedisDriverOptions & {
  readonly keyPrefix: string;
  readonly batchReads: boolean;
  readonly maxReadBatchSize: number;
} {
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  assertKeyPrefix(keyPrefix, owner);
  const batching = resolveReadBatching(options, owner);
  return { ...resolveRedisDriverOptions(options, owner), keyPrefix, ...batching };
}
