/**
 * The read-through contenders of the read-through and stampede suites: each takes a plaintext
 * API key, hashes it with sha256 (`hashApiKey`), answers from its cache or calls the loader
 * once per missing key and caches the result. Every one hashes, so the floor is fair (issue
 * 10 item 4): the floor is a `Map` + expiry check + single-flight, with the same hash.
 * - our `createApiKeyResolver` on an `InMemoryApiKeyCacheBackend` (it hashes inside);
 * - cache-manager 7 `wrap`, bentocache `getOrSet`, cacheable `getOrSet` (in memory), given the
 *   hash computed by the caller.
 */
import {
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  silentLogger,
} from "@apikey/core";
import { BentoCache, bentostore } from "bentocache";
import { memoryDriver } from "bentocache/drivers/memory";
import { createCache } from "cache-manager";
import { Cacheable } from "cacheable";
import type { ContenderKind } from "./results.js";

export const READ_THROUGH_FLOOR = "sha256 + Map + single-flight (floor)";
export const OUR_RESOLVER = "resolver.resolve on memory";

/** One read-through implementation. */
export interface ReadThroughContender {
  name: string;
  kind: ContenderKind;
  /** Resolve `plaintext`: a cached record, or the loader's (cached afterwards). */
  resolve(plaintext: string): Promise<CachedApiKey | undefined>;
  close(): Promise<void>;
}

/** Loads a record by key hash, counting its calls. */
export type CountingLoader = (keyHash: string) => Promise<CachedApiKey | undefined>;

/**
 * Build every contender, each over its own loader (`loaderFor(name)`, so loader calls are
 * counted per contender), caching for `ttlSeconds` with room for `maxEntries`.
 */
export function createReadThroughContenders(
  loaderFor: (contender: string) => CountingLoader,
  ttlSeconds: number,
  maxEntries: number,
): ReadThroughContender[] {
  const ttlMs = ttlSeconds * 1000;
  const CACHE_MANAGER = "cache-manager 7 wrap";
  const BENTO = "bentocache getOrSet";
  const CACHEABLE = "cacheable 2 getOrSet";

  const floorCache = new Map<string, { value: CachedApiKey | undefined; expiresAt: number }>();
  const floorFlights = new Map<string, Promise<CachedApiKey | undefined>>();
  const floorLoad = loaderFor(READ_THROUGH_FLOOR);
  const floor: ReadThroughContender = {
    name: READ_THROUGH_FLOOR,
    kind: "floor",
    async resolve(plaintext) {
      const keyHash = hashApiKey(plaintext);
      const entry = floorCache.get(keyHash);
      if (entry !== undefined && entry.expiresAt > performance.now()) return entry.value;
      let flight = floorFlights.get(keyHash);
      if (flight === undefined) {
        flight = floorLoad(keyHash).then(
          (value) => {
            floorCache.set(keyHash, { value, expiresAt: performance.now() + ttlMs });
            floorFlights.delete(keyHash);
            return value;
          },
          (error: unknown) => {
            floorFlights.delete(keyHash);
            throw error;
          },
        );
        floorFlights.set(keyHash, flight);
      }
      return flight;
    },
    async close() {
      floorCache.clear();
    },
  };

  const backend = new InMemoryApiKeyCacheBackend({ maxEntries });
  const resolver = createApiKeyResolver({
    backend,
    load: loaderFor(OUR_RESOLVER),
    ttlSeconds,
    negativeTtlSeconds: ttlSeconds,
    logger: silentLogger,
  });
  const ours: ReadThroughContender = {
    name: OUR_RESOLVER,
    kind: "ours",
    resolve: (plaintext) => resolver.resolve(plaintext),
    close: () => backend.close(),
  };

  const cacheManager = createCache({ ttl: ttlMs });
  const cacheManagerLoad = loaderFor(CACHE_MANAGER);
  const cacheManagerWrap: ReadThroughContender = {
    name: CACHE_MANAGER,
    kind: "peer",
    resolve(plaintext) {
      const keyHash = hashApiKey(plaintext);
      return cacheManager.wrap(keyHash, () => cacheManagerLoad(keyHash), ttlMs);
    },
    close: async () => {
      await cacheManager.disconnect();
    },
  };

  const bento = new BentoCache({
    default: "memory",
    stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: maxEntries })) },
  });
  const bentoLoad = loaderFor(BENTO);
  const bentoGetOrSet: ReadThroughContender = {
    name: BENTO,
    kind: "peer",
    resolve(plaintext) {
      const keyHash = hashApiKey(plaintext);
      return bento.getOrSet({ key: keyHash, factory: () => bentoLoad(keyHash), ttl: ttlMs });
    },
    close: () => bento.disconnectAll(),
  };

  const cacheable = new Cacheable({ ttl: ttlMs });
  const cacheableLoad = loaderFor(CACHEABLE);
  const cacheableGetOrSet: ReadThroughContender = {
    name: CACHEABLE,
    kind: "peer",
    resolve(plaintext) {
      const keyHash = hashApiKey(plaintext);
      return cacheable.getOrSet(keyHash, () => cacheableLoad(keyHash), { ttl: ttlMs });
    },
    close: () => cacheable.disconnect(),
  };

  return [floor, ours, cacheManagerWrap, bentoGetOrSet, cacheableGetOrSet];
}
