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
  /**
   * Send the `get` and `getWithTtl` calls of one tick together: one `MGET` (or one script for
   * `getWithTtl`) per batch, per hash slot on a cluster. @default true
   */
  batchReads?: boolean;
  /** Most keys in one batched read command (1 to 10000). @default 128 */
  maxReadBatchSize?: number;
}

/** {@link RedisBackendOptions} checked, defaults filled in. */
export interface ResolvedRedisBackendOptions {
  readonly keyPrefix: string;
  readonly logger: ApiKeyCacheLogger;
  readonly commandTimeoutMs: number;
  readonly ownsClient: boolean;
  readonly batchReads: boolean;
  readonly maxReadBatchSize: number;
}

/** Default of `maxReadBatchSize`. */
export const DEFAULT_MAX_READ_BATCH_SIZE = 128;
/** Largest `maxReadBatchSize` accepted: a bigger command only delays its first caller. */
export const MAX_READ_BATCH_SIZE_LIMIT = 10_000;

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
  const { batchReads, maxReadBatchSize } = resolveReadBatching(options, owner);
  return {
    keyPrefix,
    logger,
    commandTimeoutMs,
    ownsClient: options.ownsClient === true,
    batchReads,
    maxReadBatchSize,
  };
}

/**
 * Check `batchReads` and `maxReadBatchSize`, defaults filled in.
 * @throws ApiKeyCacheError `E_CONFIG` for a non-boolean `batchReads`, or a `maxReadBatchSize`
 * that is not an integer from 1 to {@link MAX_READ_BATCH_SIZE_LIMIT}.
 */
export function resolveReadBatching(
  options: { batchReads?: unknown; maxReadBatchSize?: unknown },
  owner: string,
): { batchReads: boolean; maxReadBatchSize: number } {
  const batchReads = options.batchReads ?? true;
  if (typeof batchReads !== "boolean") {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: batchReads must be true or false, got ${describeOption(batchReads)}`,
    );
  }
  const maxReadBatchSize = options.maxReadBatchSize ?? DEFAULT_MAX_READ_BATCH_SIZE;
  if (
    typeof maxReadBatchSize !== "number" ||
    !Number.isInteger(maxReadBatchSize) ||
    maxReadBatchSize < 1 ||
    maxReadBatchSize > MAX_READ_BATCH_SIZE_LIMIT
  ) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: maxReadBatchSize must be an integer from 1 to ${MAX_READ_BATCH_SIZE_LIMIT}, got ${describeOption(maxReadBatchSize)}`,
    );
  }
  return { batchReads, maxReadBatchSize };
}

/** An option value for an error message: a primitive as written, anything else by its type. */
function describeOption(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" || typeof value === "function")
    return `a value of type ${typeof value}`;
  return String(value);
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
