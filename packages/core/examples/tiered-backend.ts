import {
  type ApiKeyResolver,
  buildApiKeyCacheBackend,
  type CachedApiKey,
  createApiKeyResolver,
  type RedisDriver,
} from "@apikey/core";

/**
 * A resolver over the tiered backend. `redis` is `ioredisDriver` from `@apikey/redis-ioredis`
 * or `nodeRedisDriver` from `@apikey/redis-node`.
 */
export function createTieredResolver(
  redis: RedisDriver,
  load: (keyHash: string) => Promise<CachedApiKey | undefined>,
): ApiKeyResolver {
  const backend = buildApiKeyCacheBackend({
    backend: "tiered", // or process.env.APIKEY_CACHE_BACKEND
    redisUrl: process.env.REDIS_URL,
    redisKeyPrefix: "apikey:",
    redis,
    localTtlSeconds: 5, // L1 copies live at most 5 s: the bound when a bus message is lost
  });
  return createApiKeyResolver({ backend, load });
}

/** Revoke everywhere, waiting out the L1 bound for callers that need the strict guarantee. */
export async function revokeEverywhere(resolver: ApiKeyResolver, keyHash: string): Promise<void> {
  await resolver.revoke(keyHash, { wait: true });
}
