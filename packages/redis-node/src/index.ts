export type { NodeRedisApiKeyCacheBackendOptions } from "./node-redis-backend.js";
export { NodeRedisApiKeyCacheBackend } from "./node-redis-backend.js";
export type {
  NodeRedisClient,
  NodeRedisClientOrCluster,
  NodeRedisCluster,
  NodeRedisCommandOptions,
  NodeRedisEvents,
} from "./node-redis-client.js";
export { isNodeRedisCluster } from "./node-redis-client.js";
export type { NodeRedisSafeOptions } from "./node-redis-client-options.js";
export {
  NODE_REDIS_CLUSTER_NODE_RECONNECT_CAP_MS,
  NODE_REDIS_CLUSTER_TOPOLOGY_REFRESH_MS,
  NODE_REDIS_MAX_RECONNECT_DELAY_MS,
  NODE_REDIS_PING_INTERVAL_MS,
  nodeRedisClientOptions,
  nodeRedisClusterOptions,
  nodeRedisReconnectDelay,
  nodeRedisSocketTimeoutMs,
  nodeRedisTlsSocketOptions,
} from "./node-redis-client-options.js";
export { nodeRedisDriver } from "./node-redis-driver.js";
export type { NodeRedisInvalidationBusOptions } from "./node-redis-invalidation-bus.js";
export { NodeRedisInvalidationBus } from "./node-redis-invalidation-bus.js";
export type { NodeRedisSentinelTarget } from "./node-redis-sentinel-client.js";
export {
  NODE_REDIS_SENTINEL_MASTER_ERROR_QUIET_MS,
  NODE_REDIS_SENTINEL_REBUILD_SPACING_MS,
  NODE_REDIS_SENTINEL_SCAN_INTERVAL_MS,
  nodeRedisSentinelOptions,
} from "./node-redis-sentinel-client.js";
export {
  NODE_REDIS_SENTINEL_FAST_POLLS,
  NODE_REDIS_SENTINEL_MASTER_POLL_MS,
  NODE_REDIS_SENTINEL_WATCH_QUIET_MS,
} from "./node-redis-sentinel-master-watch.js";
