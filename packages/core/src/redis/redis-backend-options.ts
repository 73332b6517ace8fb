/**
 * The option checks of every Redis backend and bus, whatever the client: a bad option fails at
 * construction, before any connection exists, with `E_CONFIG` naming the class and the option.
 */

import { ApiKeyCacheError } from "../errors.js";
import type { ApiKeyCacheLogger } from "../logger.js";
import { defaultLogger } from "../logger.js";
import { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_KEY_PREFIX } from "../redis-driver.js";
import { assertKeyPrefix } from "./redis-keyspace.js";

/** The options a Redis backend takes, whatever the client. */
export interface RedisBackendOptions {
  /** Namespace of every key; must not be empty (`clear()` removes everything under it). @default "apikey:" */
  keyPrefix?: string;
  /** Where undecodable entries and connection trouble are reported. @default defaultLogger */
  logger?: ApiKeyCacheLogger;
  /** Deadline of every Redis round trip, in milliseconds, waiting for the connection included. @default 1000 */
  commandTimeoutMs?: number;
  /** `close()` closes the client. @default false */
  ownsClient?: boolean;
}

/** {@link RedisBackendOptions} checked, defaults filled in. */
export interface ResolvedRedisBackendOptions {
  readonly keyPrefix: string;
  readonly logger: ApiKeyCacheLogger;
  readonly commandTimeoutMs: number;
  readonly ownsClient: boolean;
}

/** Check and complete backend options. @throws ApiKeyCacheError `E_CONFIG` for a bad one. */
export function resolveRedisBackendOptions(
  options: RedisBackendOptions,
  owner: string,
): ResolvedRedisBackendOptions {
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  assertKeyPrefix(keyPrefix, owner);
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  assertCommandTimeout(commandTimeoutMs, owner);
  const logger = options.logger ?? defaultLogger;
  assertLogger(logger, owner);
  return { keyPrefix, logger, commandTimeoutMs, ownsClient: options.ownsClient === true };
}

/** @throws ApiKeyCacheError `E_CONFIG` unless `timeoutMs` is a positive finite number. */
export function assertCommandTimeout(
  timeoutMs: unknown,
  owner: string,
): asserts timeoutMs is number {
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: commandTimeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`,
    );
  }
}

/** @throws ApiKeyCacheError `E_CONFIG` unless `logger` has debug/info/warn/error functions. */
export function assertLogger(logger: unknown, owner: string): asserts logger is ApiKeyCacheLogger {
  const record = logger as Record<string, unknown> | null;
  if (
    typeof logger !== "object" ||
    record === null ||
    !["debug", "info", "warn", "error"].every((level) => typeof record[level] === "function")
  ) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: logger must have debug, info, warn and error functions (console fits)`,
    );
  }
}

/**
 * @param isClient whether the adapter recognised its client in the argument
 * @param expected what the argument should have been, e.g. "an ioredis Redis or Cluster client"
 * @throws ApiKeyCacheError `E_CONFIG` unless `isClient`.
 */
export function assertClientArgument(isClient: boolean, owner: string, expected: string): void {
  if (!isClient) throw new ApiKeyCacheError("E_CONFIG", `${owner}: the client must be ${expected}`);
}
