export type { ApiKeyCacheBackend, CachedApiKey, CachedApiKeyWithTtl } from "./backend.js";
export { isApiKeyCacheBackend } from "./backend.js";
export type { BackendName, BuildApiKeyCacheBackendOptions } from "./build-backend.js";
export { BACKEND_NAMES, buildApiKeyCacheBackend, parseBackendName } from "./build-backend.js";
export type { CircuitState } from "./circuit-breaker.js";
export type {
  BackendErrorEvent,
  BusEvent,
  CircuitEvent,
  LoadEvent,
  ResolveEvent,
  ResolveOutcome,
  RevokeEvent,
} from "./diagnostics.js";
export { DIAGNOSTICS_CHANNELS } from "./diagnostics.js";
export type { ApiKeyCacheErrorCode } from "./errors.js";
export { ApiKeyCacheError, isApiKeyCacheError } from "./errors.js";
export { hashApiKey } from "./hash.js";
export type {
  InvalidationBus,
  InvalidationHandlers,
  InvalidationMessage,
} from "./invalidation-bus.js";
export {
  assertInvalidationMessage,
  decodeInvalidationMessage,
  encodeInvalidationMessage,
  invalidationChannel,
} from "./invalidation-bus.js";
export type { ApiKeyCacheLogger } from "./logger.js";
export { defaultLogger, silentLogger } from "./logger.js";
export type { InMemoryApiKeyCacheBackendOptions } from "./memory-backend.js";
export { InMemoryApiKeyCacheBackend } from "./memory-backend.js";
export type {
  RedisDriver,
  RedisDriverBackendOptions,
  RedisDriverBusOptions,
  RedisDriverConnectionOptions,
  RedisTlsOptions,
  RevocationReplicasOptions,
} from "./redis-driver.js";
export { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_KEY_PREFIX } from "./redis-driver.js";
export type {
  ApiKeyResolver,
  ApiKeyResolverStats,
  RevokeOptions,
} from "./resolver.js";
export { createApiKeyResolver } from "./resolver.js";
export type { ApiKeyLoader, ApiKeyResolverOptions } from "./resolver-options.js";
export { RESOLVER_DEFAULTS } from "./resolver-options.js";
export type { StoredMarker } from "./stored-markers.js";
export {
  isNotFoundMarker,
  isRevokedMarker,
  NOT_FOUND_MARKER,
  REVOKED_MARKER,
} from "./stored-markers.js";
export type { TieredApiKeyCacheBackendOptions } from "./tiered-backend.js";
export { TieredApiKeyCacheBackend } from "./tiered-backend.js";
export { assertCacheKey, ttlToMilliseconds } from "./validation.js";
export {
  decodeCachedApiKey,
  encodeCachedApiKey,
  isCachedApiKeyShape,
  MAX_VALUE_DEPTH,
} from "./value-codec.js";
