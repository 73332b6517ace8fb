/**
 * The shared conformance suite against the tiered backend over a Redis driver: L1 in memory,
 * L2 and invalidations through the driver, each backend on a random prefix. A peer is a second
 * tiered backend on the same prefix with its own L1, Redis connections and bus, so the
 * cross-instance checks go through real pub/sub (L1 copies live the default 5 s, longer than
 * the 2 s convergence bound, so expiry cannot stand in for the bus). Plus the one check only a
 * real server can make: an L1 copy never outlives the Redis entry it was read from.
 */
import { type RedisDriver, silentLogger, type TieredApiKeyCacheBackend } from "@apikey/core";
import { redisCommand } from "@apikey/redis-test-server";
import { describe, expect, it } from "vitest";
import { describeBackendConformance } from "../backend/describe-backend-conformance.js";
import { redisTestPrefix } from "./redis-test-prefix.js";
import { createRedisTieredBackend } from "./redis-tiered-backend.js";

/** Options of {@link describeRedisTieredConformance}. */
export interface RedisTieredConformanceOptions {
  /** The client package's driver. */
  driver: RedisDriver;
  /** The server, read once tests run (e.g. the `useRedisServer()` handle). */
  redis: { readonly url: string };
}

/**
 * Register the tiered conformance suite over `driver` for vitest.
 *
 * @example
 * const redis = useRedisServer({ spawn: true });
 * describeRedisTieredConformance("tiered over my client", { driver: myDriver, redis });
 */
export function describeRedisTieredConformance(
  name: string,
  options: RedisTieredConformanceOptions,
): void {
  const { driver, redis } = options;
  const prefixOf = new WeakMap<TieredApiKeyCacheBackend, string>();
  const tieredOn = (keyPrefix: string): TieredApiKeyCacheBackend => {
    const tiered = createRedisTieredBackend(driver, { url: redis.url, keyPrefix });
    prefixOf.set(tiered, keyPrefix);
    return tiered;
  };
  const freshPrefix = (): string => redisTestPrefix("tiered");

  describeBackendConformance<TieredApiKeyCacheBackend>(name, {
    createBackend: () => tieredOn(freshPrefix()),
    createPeer: (backend) => {
      const keyPrefix = prefixOf.get(backend);
      if (keyPrefix === undefined) throw new Error("not a backend made by createBackend");
      return tieredOn(keyPrefix);
    },
    async dispose(backend) {
      // The backend may already be closed: clear its namespace through a fresh connection.
      const keyPrefix = prefixOf.get(backend);
      if (keyPrefix !== undefined) {
        const cleaner = driver.createBackend({ url: redis.url, keyPrefix, logger: silentLogger });
        try {
          await cleaner.clear();
        } finally {
          await cleaner.close();
        }
      }
      await backend.close();
    },
    capabilities: { sharedBetweenInstances: true, peerConvergenceMs: 2000 },
  });

  describe(`${name}: L1 copies and Redis expiry`, () => {
    it("an entry another client wrote with a 200 ms TTL, read into L1 (5 s), is gone once Redis expired it", async () => {
      const keyPrefix = freshPrefix();
      const tiered = tieredOn(keyPrefix);
      try {
        await expect.poll(() => tiered.l1Enabled, { timeout: 5_000 }).toBe(true);
        const entry = { apiKey: "ak_expiring", active: true };
        // No bus message announces an expiry: only the TTL read with the entry can bound L1.
        await redisCommand(redis.url, "SET", `${keyPrefix}k`, JSON.stringify(entry), "PX", "200");
        expect(await tiered.get("k")).toEqual(entry);
        expect(await tiered.get("k")).toEqual(entry);
        await expect
          .poll(() => redisCommand(redis.url, "EXISTS", `${keyPrefix}k`), { interval: 10 })
          .toBe(0);
        // Within the suite's default TTL tolerance (L1 rounds its lifetime up to whole ms).
        await expect.poll(() => tiered.get("k"), { timeout: 50, interval: 5 }).toBeUndefined();
      } finally {
        await tiered.close();
      }
    });
  });
}
