export type {
  CallerClientBackend,
  CallerClientBackendFactory,
  CallerClientBackendOptions,
} from "./caller-client-backend.js";
export { describeRedisDriverConformance } from "./describe-redis-driver-conformance.js";
export type {
  RedisReadBatchingOptions,
  RedisReadBatchingTarget,
} from "./describe-redis-read-batching.js";
export { describeRedisReadBatching } from "./describe-redis-read-batching.js";
export type { RedisTieredConformanceOptions } from "./describe-redis-tiered-conformance.js";
export { describeRedisTieredConformance } from "./describe-redis-tiered-conformance.js";
export type { RedisDriverConformanceOptions } from "./redis-driver-conformance-options.js";
export type { RedisTieredBackendOptions, RedisTieredPairOptions } from "./redis-tiered-backend.js";
export { createRedisTieredBackend, createRedisTieredPair } from "./redis-tiered-backend.js";
