/**
 * The shared conformance suite against the tiered backend over ioredis: L1 in memory, L2 a
 * ioredis backend and invalidations on a ioredis bus, each backend on a random prefix.
 * A peer is a second tiered backend on the same prefix with its own L1, Redis connections and
 * bus, so the cross-instance checks go through real pub/sub.
 *
 * One honest difference is declared, not hidden: an L1 copy read through from Redis lives up
 * to `localTtlSeconds` after the read was sent, whatever TTL the entry has left in Redis (the
 * protocol's `get` does not say), so an entry may outlive its TTL by up to `localTtlSeconds`.
 * The `ttl` group therefore runs on a 0.1 s L1 with that as its tolerance; every other group
 * runs on the default 5 s L1, so convergence there is the bus's doing, not expiry's.
 */
import {
  BACKEND_CHECK_GROUPS,
  type BackendConformanceOptions,
  describeConformanceGroups,
  describeTtlConformance,
} from "@apikey/conformance";
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
function tieredOn(keyPrefix: string, localTtlSeconds?: number): TieredApiKeyCacheBackend {
  const tiered = new TieredApiKeyCacheBackend({
    local: new InMemoryApiKeyCacheBackend(),
    remote: ioredisDriver.createBackend({ url: redis.url, keyPrefix, logger: silentLogger }),
    bus: ioredisDriver.createInvalidationBus({
      url: redis.url,
      channel: invalidationChannel(keyPrefix),
      logger: silentLogger,
    }),
    logger: silentLogger,
    ...(localTtlSeconds === undefined ? {} : { localTtlSeconds }),
  });
  prefixOf.set(tiered, keyPrefix);
  return tiered;
}

function conformanceOptions(
  localTtlSeconds?: number,
): BackendConformanceOptions<TieredApiKeyCacheBackend> {
  return {
    createBackend: () => tieredOn(testPrefix("tiered"), localTtlSeconds),
    createPeer: (backend) => {
      const keyPrefix = prefixOf.get(backend);
      if (keyPrefix === undefined) throw new Error("not a backend made by createBackend");
      return tieredOn(keyPrefix, localTtlSeconds);
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
  };
}

describeConformanceGroups(
  "tiered over ioredis",
  conformanceOptions(),
  BACKEND_CHECK_GROUPS.filter((group) => group !== "ttl"),
);

const SHORT_LOCAL_TTL_SECONDS = 0.1;
const shortL1 = conformanceOptions(SHORT_LOCAL_TTL_SECONDS);
describeTtlConformance("tiered over ioredis, 0.1 s L1", {
  ...shortL1,
  capabilities: { ...shortL1.capabilities, ttlToleranceMs: SHORT_LOCAL_TTL_SECONDS * 1000 },
});

describe("tiered over ioredis: the declared TTL difference", () => {
  it("an entry read through from Redis just before it expires is served from L1 for at most localTtlSeconds more", async () => {
    const localTtlSeconds = 0.4;
    const keyPrefix = testPrefix("tiered");
    const tiered = tieredOn(keyPrefix, localTtlSeconds);
    try {
      await expect.poll(() => tiered.l1Enabled, { timeout: 5_000 }).toBe(true);
      const entry = { apiKey: "ak_expiring", active: true };
      // Written by another process with a 200 ms TTL: no bus message, no TTL for L1 to see.
      await redisCommand(redis.url, "SET", `${keyPrefix}k`, JSON.stringify(entry), "PX", "200");
      const sentAt = performance.now();
      expect(await tiered.get("k")).toEqual(entry);
      await expect.poll(() => redisCommand(redis.url, "EXISTS", `${keyPrefix}k`)).toBe(0);
      // Bounded: gone once localTtlSeconds has passed since the read was sent.
      await expect
        .poll(() => tiered.get("k"), { timeout: localTtlSeconds * 1000 + 1_000, interval: 20 })
        .toBeUndefined();
      expect(performance.now() - sentAt).toBeLessThan(localTtlSeconds * 1000 + 1_000);
    } finally {
      await tiered.close();
    }
  });
});
