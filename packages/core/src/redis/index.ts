/**
 * `@apikey/core/redis`: client-independent Redis helpers (keyspace, scripts, deadlines, backoff) for authors of
 * Redis client adapters. Applications use `@apikey/redis-ioredis` or `@apikey/redis-node`.
 */

export { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_KEY_PREFIX } from "../redis-driver.js";
export type { InboundInvalidation } from "./bus-inbound-message.js";
export {
  exceedsInvalidationMessageLimit,
  MAX_INVALIDATION_MESSAGE_BYTES,
  readInboundInvalidation,
} from "./bus-inbound-message.js";
export {
  CONNECTION_ERROR_LOG_INTERVAL_MS,
  createConnectionErrorLog,
} from "./connection-error-log.js";
export { DeadlineQueue } from "./deadline-queue.js";
export {
  DROPPED_MESSAGE_LOG_INTERVAL_MS,
  DroppedMessageLog,
} from "./dropped-message-log.js";
export {
  MAX_RECONNECT_DELAY_MS,
  RECONNECT_JITTER_MS,
  reconnectDelayMs,
} from "./reconnect-backoff.js";
export { RedisInvalidationBus } from "./redis-invalidation-bus.js";
export type {
  RedisInvalidationBusOptions,
  RedisInvalidationBusSettings,
} from "./redis-invalidation-bus-options.js";
export { DEFAULT_BUS_PING_INTERVAL_MS } from "./redis-invalidation-bus-options.js";
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
export type { RedisPublishConnection } from "./redis-publish-connection.js";
export type {
  RedisSubscriberConnection,
  RedisSubscriberEvents,
} from "./redis-subscriber-connection.js";
