/**
 * The backend conformance suite over a driver's own backends: each backend gets a fresh
 * prefix and its own client; a peer is a second driver backend on the same prefix (another
 * connection, as another process would have). Disposal clears the namespace through a fresh
 * backend, since a close check may already have closed the one under test.
 */
import type { ApiKeyCacheBackend, RedisDriver } from "@apikey/core";
import { silentLogger } from "@apikey/core";
import { describeBackendConformance } from "../backend/describe-backend-conformance.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

/** Where the backends connect, read once tests run. */
export interface RedisBackendTarget {
  readonly url: string;
  readonly cluster: boolean;
  /** Passed to `createBackend` when set (the driver's default, on, otherwise). */
  readonly batchReads?: boolean;
}

/** Register the backend conformance suite over `driver`'s backends on `target()`. */
export function describeRedisBackendConformance(
  name: string,
  driver: RedisDriver,
  target: () => RedisBackendTarget,
): void {
  const prefixOf = new WeakMap<ApiKeyCacheBackend, string>();
  const backendOn = (keyPrefix: string): ApiKeyCacheBackend => {
    const { url, cluster, batchReads } = target();
    const backend = driver.createBackend({
      url,
      cluster,
      keyPrefix,
      logger: silentLogger,
      ...(batchReads === undefined ? {} : { batchReads }),
    });
    prefixOf.set(backend, keyPrefix);
    return backend;
  };
  const prefixOfBackend = (backend: ApiKeyCacheBackend): string => {
    const keyPrefix = prefixOf.get(backend);
    if (keyPrefix === undefined) throw new Error("not a backend made by createBackend");
    return keyPrefix;
  };

  describeBackendConformance(name, {
    createBackend: () => backendOn(redisTestPrefix("conformance")),
    createPeer: (backend) => backendOn(prefixOfBackend(backend)),
    async dispose(backend) {
      await backend.close();
      const cleaner = backendOn(prefixOfBackend(backend));
      try {
        await cleaner.clear();
      } finally {
        await cleaner.close();
      }
    },
    capabilities: { sharedBetweenInstances: true },
  });
}
