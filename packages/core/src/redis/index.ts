/**
 * `@apikey/core/redis`: client-independent Redis helpers (keyspace, scripts, deadlines, backoff) for authors of
 * Redis client adapters. Applications use `@apikey/redis-ioredis` or `@apikey/redis-node`.
 */

export { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_KEY_PREFIX } from "../redis-driver.js";
export {
  CONNECTION_ERROR_LOG_INTERVAL_MS,
  createConnectionErrorLog,
} from "./connection-error-log.js";
export { DeadlineQueue } from "./deadline-queue.js";
export {
  MAX_RECONNECT_DELAY_MS,
  RECONNECT_JITTER_MS,
  reconnectDelayMs,
} from "./reconnect-backoff.js";
export {
  assertKeyPrefix,
  CLEAR_BATCH_SIZE,
  clusterKeySlot,
  DELETE_IF_UNCHANGED_SCRIPT,
  entryWithPttl,
  escapeRedisGlob,
  prefixScanPattern,
  unlinkBatches,
} from "./redis-keyspace.js";
