/**
 * The one place where configuration becomes running parts: the key store, the cache backend
 * (through core's `buildApiKeyCacheBackend`, as the reference's container does), and the
 * resolver in front of both. Only the selected Redis client package is loaded.
 */
import {
  type ApiKeyCacheBackend,
  type ApiKeyCacheLogger,
  type ApiKeyResolver,
  type BackendName,
  buildApiKeyCacheBackend,
  type CachedApiKey,
  createApiKeyResolver,
  defaultLogger,
  type RedisDriver,
} from "@apikey/core";
import { MAX_API_KEY_LENGTH } from "./api-key-format.js";
import { type DemoConfig, effectiveBackend, type RedisClientName } from "./config.js";
import type { KeyStore } from "./key-store/key-store.js";
import { openKeyStore } from "./key-store/open-key-store.js";

/** What the cache holds for one key: the public id, the state, and what whoami shows. */
export interface DemoKeyRecord extends CachedApiKey {
  name?: string;
  admin?: boolean;
}

/** The resolver the demo authenticates with. */
export type DemoResolver = ApiKeyResolver<DemoKeyRecord>;

// `request.apiKey` (set by @apikey/fastify) is a demo key record.
declare module "@apikey/fastify" {
  interface ApiKeyRecordTypes {
    record: DemoKeyRecord;
  }
}

/** Everything a worker needs, built from one {@link DemoConfig}. */
export interface DemoContainer {
  readonly config: DemoConfig;
  /** The backend that runs (redis/tiered without `REDIS_URL` run as memory). */
  readonly backendName: BackendName;
  /** The Redis client package in use, or `undefined` for memory. */
  readonly redisClient: RedisClientName | undefined;
  readonly store: KeyStore;
  readonly backend: ApiKeyCacheBackend<DemoKeyRecord>;
  readonly resolver: DemoResolver;
  /** Where the app's and the cache's warnings go. */
  readonly logger: ApiKeyCacheLogger;
  /** Close the backend (Redis connections) and the database. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link createContainer}. */
export interface CreateContainerOptions {
  /** Create the data folder and schema (single-process use, or the primary). @default false */
  migrate?: boolean;
  logger?: ApiKeyCacheLogger;
}

/** Build the store, backend and resolver for `config`. */
export async function createContainer(
  config: DemoConfig,
  options: CreateContainerOptions = {},
): Promise<DemoContainer> {
  const logger = options.logger ?? defaultLogger;
  const backendName = effectiveBackend(config);
  const redisClient = backendName === "memory" ? undefined : config.redisClient;
  const store = await openKeyStore(config, { migrate: options.migrate ?? false });
  let backend: ApiKeyCacheBackend<DemoKeyRecord>;
  try {
    backend = buildApiKeyCacheBackend({
      backend: config.cacheBackend,
      redisUrl: config.redisUrl,
      redisKeyPrefix: config.redisKeyPrefix,
      redis: redisClient === undefined ? undefined : await loadRedisDriver(redisClient),
      localTtlSeconds: config.localTtlSeconds,
      logger,
    }) as ApiKeyCacheBackend<DemoKeyRecord>;
  } catch (error) {
    await store.close();
    throw error;
  }

  const resolver = createApiKeyResolver<DemoKeyRecord>({
    backend,
    load: async (keyHash) => {
      const record = await store.findByHash(keyHash);
      if (record === undefined) return undefined;
      return {
        apiKey: record.id,
        active: record.revokedAt === null,
        name: record.name,
        admin: record.admin,
      };
    },
    ttlSeconds: config.cacheTtlSeconds,
    negativeTtlSeconds: config.negativeTtlSeconds,
    timeoutMs: config.cacheTimeoutMs,
    maxKeyLength: MAX_API_KEY_LENGTH,
    logger,
  });

  let closing: Promise<void> | undefined;
  return {
    config,
    backendName,
    redisClient,
    store,
    backend,
    resolver,
    logger,
    close: () => {
      closing ??= backend.close().finally(() => store.close());
      return closing;
    },
  };
}

async function loadRedisDriver(client: RedisClientName): Promise<RedisDriver> {
  if (client === "node-redis") return (await import("@apikey/redis-node")).nodeRedisDriver;
  return (await import("@apikey/redis-ioredis")).ioredisDriver;
}
