/**
 * The option checks of every Redis backend and bus, whatever the client: a bad option fails at
 * construction, before any connection exists, with `E_CONFIG` naming the class and the option.
 */

import { ApiKeyCacheError } from "../errors.js";
import type { ApiKeyCacheLogger } from "../logger.js";
import { defaultLogger } from "../logger.js";
import { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_KEY_PREFIX } from "../redis-driver.js";
import { ttlToMilliseconds } from "../validation.js";
import { assertKeyPrefix } from "./redis-keyspace.js";
import {
  type ResolvedRevocationReplicas,
  type RevocationReplicasOptions,
  resolveRevocationReplicas,
} from "./revocation-replicas.js";

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
   * Once connected, read `maxmemory-policy` on every master (`CONFIG GET`) and log one
   * warning if Redis may evict this cache's entries (`allkeys-*` or `volatile-*`: tombstones
   * can be evicted). A server that refuses CONFIG only gets a debug line. @default true
   */
  checkMaxmemoryPolicy?: boolean;
  /**
   * Budget of not-found markers (the resolver's entry for an unknown key) this backend stores
   * per second with their full `negativeTtlSeconds`; markers over it are stored for
   * `negativeTtlUnderPressureSeconds` at most. Caps what a flood of unknown keys keeps in Redis
   * at about `negativeMarkersPerSecond × negativeTtlSeconds` per backend instance. Records and
   * tombstones are never affected. @default Infinity (no cap)
   */
  negativeMarkersPerSecond?: number;
  /** TTL of a not-found marker over `negativeMarkersPerSecond`, in seconds; `0` stores none. @default 0 */
  negativeTtlUnderPressureSeconds?: number;
  /**
   * Send the `get` and `getWithTtl` calls of one tick together: one `MGET` (or one script for
   * `getWithTtl`) per batch, per hash slot on a cluster. @default true
   */
  batchReads?: boolean;
  /** Most keys in one batched read command (1 to 10000). @default 128 */
  maxReadBatchSize?: number;
  /**
   * Acknowledge a revocation write (the tombstone `revoke` stores, the delete of
   * `invalidate`) only once `replicas` replicas have it: `WAIT replicas timeoutMs` follows it
   * on the same connection (on a cluster, the node that took it), and fewer acknowledgements
   * fail it with `E_BACKEND_UNAVAILABLE`. `timeoutMs` must be below `commandTimeoutMs`.
   * @default undefined (the master's acknowledgement is enough)
   */
  revocationReplicas?: RevocationReplicasOptions | undefined;
}

/** {@link RedisBackendOptions} checked, defaults filled in. */
export interface ResolvedRedisBackendOptions {
  readonly keyPrefix: string;
  readonly logger: ApiKeyCacheLogger;
  readonly commandTimeoutMs: number;
  readonly ownsClient: boolean;
  readonly checkMaxmemoryPolicy: boolean;
  /** `Infinity` when markers are not capped. */
  readonly negativeMarkersPerSecond: number;
  readonly negativeTtlUnderPressureSeconds: number;
  readonly batchReads: boolean;
  readonly maxReadBatchSize: number;
  /** `undefined` when revocation writes do not wait for replicas. */
  readonly revocationReplicas: ResolvedRevocationReplicas | undefined;
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
  const checkMaxmemoryPolicy = options.checkMaxmemoryPolicy ?? true;
  assertBooleanOption("checkMaxmemoryPolicy", checkMaxmemoryPolicy, owner);
  const negativeMarkersPerSecond = options.negativeMarkersPerSecond ?? Number.POSITIVE_INFINITY;
  if (
    typeof negativeMarkersPerSecond !== "number" ||
    !(
      negativeMarkersPerSecond === Number.POSITIVE_INFINITY ||
      Number.isSafeInteger(negativeMarkersPerSecond)
    ) ||
    negativeMarkersPerSecond < 0
  ) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: negativeMarkersPerSecond must be a whole number >= 0 or Infinity, got ${String(negativeMarkersPerSecond)}`,
    );
  }
  const negativeTtlUnderPressureSeconds = options.negativeTtlUnderPressureSeconds ?? 0;
  if (
    typeof negativeTtlUnderPressureSeconds !== "number" ||
    !Number.isFinite(negativeTtlUnderPressureSeconds) ||
    negativeTtlUnderPressureSeconds < 0 ||
    !fitsTtl(negativeTtlUnderPressureSeconds)
  ) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: negativeTtlUnderPressureSeconds must be a finite number of seconds >= 0, got ${String(negativeTtlUnderPressureSeconds)}`,
    );
  }
  const { batchReads, maxReadBatchSize } = resolveReadBatching(options, owner);
  const revocationReplicas = resolveRevocationReplicas(
    options.revocationReplicas,
    commandTimeoutMs,
    owner,
  );
  return {
    keyPrefix,
    logger,
    commandTimeoutMs,
    ownsClient: options.ownsClient === true,
    checkMaxmemoryPolicy,
    negativeMarkersPerSecond,
    negativeTtlUnderPressureSeconds,
    batchReads,
    maxReadBatchSize,
    revocationReplicas,
  };
}

/** @throws ApiKeyCacheError `E_CONFIG` naming `name` unless `value` is a boolean. */
export function assertBooleanOption(
  name: string,
  value: unknown,
  owner: string,
): asserts value is boolean {
  if (typeof value !== "boolean") {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: ${name} must be true or false, got ${typeof value}`,
    );
  }
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

/** True when `ttlSeconds` converts to a store TTL (not beyond `Number.MAX_SAFE_INTEGER` ms). */
function fitsTtl(ttlSeconds: number): boolean {
  try {
    ttlToMilliseconds(ttlSeconds);
    return true;
  } catch {
    return false;
  }
}
