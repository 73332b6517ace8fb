/**
 * `@apikey/core/redis`: the client-independent Redis engine and its helpers, for authors of
 * Redis client adapters. Applications use `@apikey/redis-ioredis` or `@apikey/redis-node`.
 */
export {
  MAX_RECONNECT_DELAY_MS,
  RECONNECT_JITTER_MS,
  reconnectDelayMs,
} from "./reconnect-backoff.js";
