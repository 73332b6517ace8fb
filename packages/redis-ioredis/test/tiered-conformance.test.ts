/**
 * The shared conformance suite against the tiered backend over ioredis: L1 in memory, L2 a
 * ioredis backend and invalidations on a ioredis bus, each backend on a random prefix.
 * A peer is a second tiered backend on the same prefix with its own L1, Redis connections and
 * bus, so the cross-instance checks go through real pub/sub (L1 copies live the default 5 s,
 * longer than the 2 s convergence bound, so expiry cannot stand in for the bus).
 */
import { describeBackendConformance } from "@apikey/conformance";
import { redisCommand, useRedisServer } from "@apikey/conformance/redis";
import {
  InMemoryApiKeyCacheBackend,
  invalidationChannel,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import { describe, expect, it } from "vitest";
import { ioredisDriver } from "../src/index.js";
import { testPrefix } from "./support/test-prefix.js";

const redis = useRedisServer({ spawn: true });
const prefixOf = new WeakMap<TieredApiKeyCacheBackend, string>();

/** One process's tiered backend on `keyPrefix`: its own L1, Redis connection and bus. */
function tieredOn(keyPrefix: string): TieredApiKeyCacheBackend {
  const tiered = new TieredApiKeyCacheBackend({
    local: new InMemoryApiKeyCacheBackend(),
    remote: ioredisDriver.createBackend({ url: redis.url, keyPrefix, logger: silentLogger }),
    bus: ioredisDriver.createInvalidationBus({
      url: redis.url,
      channel: invalidationChannel(keyPrefix),
      logger: silentLogger,
    }),
    logger: silentLogger,
  });
  prefixOf.set(tiered, keyPrefix);
  return tiered;
}

describeBackendConformance<TieredApiKeyCacheBackend>("tiered over ioredis", {
  createBackend: () => tieredOn(testPrefix("tiered")),
  createPeer: (backend) => {
    const keyPrefix = prefixOf.get(backend);
    if (keyPrefix === undefined) throw new Error("not a backend made by createBackend");
    return tieredOn(keyPrefix);
  },
  async dispose(backend) {
    // The backend may already be closed: clear its namespace through a fresh connection.
    const keyPrefix = prefixOf.get(backend);
    if (keyPrefix !== undefined) {
      const cleaner = ioredisDriver.createBackend({
        url: redis.url,
        keyPrefix,
        logger: silentLogger,
      });
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

describe("tiered over ioredis: L1 copies and Redis expiry", () => {
  it("an entry another client wrote with a 200 ms TTL, read into L1 (5 s), is gone once Redis expired it", async () => {
    const keyPrefix = testPrefix("tiered");
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
