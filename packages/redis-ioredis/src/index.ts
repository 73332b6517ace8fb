/** The one reconnect backoff of `@apikey/core/redis`, re-exported where it was first exported. */
export { MAX_RECONNECT_DELAY_MS, reconnectDelayMs } from "@apikey/core/redis";
export type { IoredisApiKeyCacheBackendOptions } from "./ioredis-backend.js";
export { IoredisApiKeyCacheBackend } from "./ioredis-backend.js";
export type { IoredisClient } from "./ioredis-client.js";
export { isIoredisCluster } from "./ioredis-client.js";
export { ioredisDriver } from "./ioredis-driver.js";
export type { IoredisInvalidationBusOptions } from "./ioredis-invalidation-bus.js";
export { IoredisInvalidationBus } from "./ioredis-invalidation-bus.js";
