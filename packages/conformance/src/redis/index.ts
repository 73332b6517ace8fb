export type {
  CallerClientBackend,
  CallerClientBackendFactory,
  CallerClientBackendOptions,
} from "./caller-client-backend.js";
export { describeRedisDatabaseIndex } from "./describe-redis-database-index.js";
export { describeRedisDriverConformance } from "./describe-redis-driver-conformance.js";
export type {
  RedisReadBatchingOptions,
  RedisReadBatchingTarget,
} from "./describe-redis-read-batching.js";
export { describeRedisReadBatching } from "./describe-redis-read-batching.js";
export type { SentinelFailoverFigures } from "./describe-redis-sentinel-failover.js";
export { describeRedisSentinelFailover } from "./describe-redis-sentinel-failover.js";
export type { RedisTieredConformanceOptions } from "./describe-redis-tiered-conformance.js";
export { describeRedisTieredConformance } from "./describe-redis-tiered-conformance.js";
export { describeRedisTls } from "./describe-redis-tls.js";
export type { HalfOpenFaultOutcome } from "./half-open-fault.js";
export { runHalfOpenFault } from "./half-open-fault.js";
export type { RedisDriverConformanceOptions } from "./redis-driver-conformance-options.js";
export type { RedisTieredBackendOptions, RedisTieredPairOptions } from "./redis-tiered-backend.js";
export { createRedisTieredBackend, createRedisTieredPair } from "./redis-tiered-backend.js";
