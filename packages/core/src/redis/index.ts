/**
 * `@apikey/core/redis`: the client-free Redis engine and its helpers, for authors of Redis
 * client adapters. An adapter implements {@link RedisCommandConnection} for its client and
 * hands it to {@link RedisApiKeyCacheBackend}. Applications use `@apikey/redis-ioredis` or
 * `@apikey/redis-node`.
 */

export { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_KEY_PREFIX } from "../redis-driver.js";
export { RedisCommandPublishConnection } from "./bus-command-publisher.js";
export type { InboundInvalidation } from "./bus-inbound-message.js";
export {
  exceedsInvalidationMessageLimit,
  MAX_INVALIDATION_MESSAGE_BYTES,
  readInboundInvalidation,
} from "./bus-inbound-message.js";
export type { BusNodeCandidate } from "./bus-subscriber-node.js";
export { nextSubscriberNode } from "./bus-subscriber-node.js";
export { hasMemberTypes } from "./client-shape.js";
export {
  CONNECTION_ERROR_LOG_INTERVAL_MS,
  createConnectionErrorLog,
} from "./connection-error-log.js";
export { DeadlineQueue } from "./deadline-queue.js";
export {
  DROPPED_MESSAGE_LOG_INTERVAL_MS,
  DroppedMessageLog,
} from "./dropped-message-log.js";
export type { MaxmemorySetting } from "./maxmemory-policy-check.js";
export {
  checkMaxmemoryPolicy,
  evictsCacheKeys,
  maxmemoryWarning,
  parseMaxmemoryReply,
} from "./maxmemory-policy-check.js";
export { NegativeMarkerBudget } from "./negative-marker-budget.js";
export { warnOnNestedKeyPrefix } from "./nested-prefix-warning.js";
export { ReadinessGate } from "./readiness-gate.js";
export {
  MAX_RECONNECT_DELAY_MS,
  RECONNECT_JITTER_MS,
  reconnectDelayAfter,
  reconnectDelayMs,
} from "./reconnect-backoff.js";
export { RedisApiKeyCacheBackend } from "./redis-backend.js";
export type {
  RedisBackendOptions,
  ResolvedRedisBackendOptions,
} from "./redis-backend-options.js";
export {
  assertBooleanOption,
  assertClientArgument,
  assertCommandTimeout,
  assertLogger,
  DEFAULT_MAX_READ_BATCH_SIZE,
  MAX_READ_BATCH_SIZE_LIMIT,
  resolveReadBatching,
  resolveRedisBackendOptions,
} from "./redis-backend-options.js";
export type {
  RedisCommandConnection,
  RedisConnectionListener,
  RedisMasterNode,
} from "./redis-command-connection.js";
export type { RedisCommandRunnerOptions } from "./redis-command-runner.js";
export { RedisCommandRunner } from "./redis-command-runner.js";
export {
  explainConnectionError,
  isDatabaseRefusedError,
} from "./redis-connection-error-context.js";
export type {
  RedisSentinelAuth,
  ResolvedRedisDriverBackendOptions,
  ResolvedRedisDriverOptions,
} from "./redis-driver-options.js";
export {
  resolveRedisDriverBackendOptions,
  resolveRedisDriverOptions,
} from "./redis-driver-options.js";
export {
  errorMessage,
  isAuthError,
  isWrongTypeError,
  RedisClientError,
  safeCause,
} from "./redis-errors.js";
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
export {
  REPLACE_IF_UNCHANGED_SCRIPT,
  replaceIfUnchangedOnRedis,
} from "./redis-replace-if-unchanged.js";
export type {
  RedisSubscriberConnection,
  RedisSubscriberEvents,
} from "./redis-subscriber-connection.js";
export { assertTlsOptions } from "./redis-tls-options.js";
export type { RedisEndpoint, RedisHostPort, RedisSentinelEndpoint } from "./redis-url.js";
export {
  DEFAULT_SENTINEL_PORT,
  MAX_DATABASE_INDEX,
  parseRedisUrl,
  REDACTED_CREDENTIALS,
  redactUrlCredentials,
} from "./redis-url.js";
export type {
  ResolvedRevocationReplicas,
  RevocationReplicasOptions,
} from "./revocation-replicas.js";
export {
  resolveRevocationReplicas,
  writeAcknowledgedByReplicas,
} from "./revocation-replicas.js";
