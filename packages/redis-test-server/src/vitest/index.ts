export type { UseRedisServerOptions } from "./use-redis.js";
export { REDIS_URL_ENV, useRedisCluster, useRedisServer } from "./use-redis.js";
