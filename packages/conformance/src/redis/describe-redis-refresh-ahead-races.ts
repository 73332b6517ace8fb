/**
 * The refresh-ahead revocation race (1,000 rounds each) over a driver's backends: two
 * resolvers on one server, standalone backends and tiered ones. A background refresh that read
 * "active" before a revoke must never bring the key back (`replaceIfUnchanged` refuses the
 * tombstone), and nothing started after `revoke()` resolved may be active.
 */
import type { RedisDriver } from "@apikey/core";
import { silentLogger } from "@apikey/core";
import { describeResolverRevocationRace } from "../resolver/describe-resolver-revocation-race.js";
import { redisTestPrefix } from "./redis-test-prefix.js";
import { createRedisTieredPair } from "./redis-tiered-backend.js";

/** Generous: the machine is shared, and every round also waits for its refreshes to land. */
const MAX_ELAPSED_MS = 90_000;

/** Rounds in flight at once: more than the default 10, to keep the CI time down (each round mostly waits). */
const PARALLEL_ROUNDS = 25;

/** Register both races on `redis` (read once tests run). */
export function describeRedisRefreshAheadRaces(
  name: string,
  driver: RedisDriver,
  redis: { readonly url: string },
): void {
  describeResolverRevocationRace(`${name}: refresh-ahead against revoke (standalone)`, {
    refreshAhead: true,
    maxElapsedMs: MAX_ELAPSED_MS,
    parallel: PARALLEL_ROUNDS,
    createBackends: () => {
      const keyPrefix = redisTestPrefix("refresh-race");
      const backendOn = () =>
        driver.createBackend({ url: redis.url, keyPrefix, logger: silentLogger });
      return [backendOn(), backendOn()];
    },
  });
  describeResolverRevocationRace(`${name}: refresh-ahead against revoke (tiered)`, {
    refreshAhead: true,
    maxElapsedMs: MAX_ELAPSED_MS,
    parallel: PARALLEL_ROUNDS,
    // Across processes the guarantee is revoke({ wait: true }): it returns once no L1 copy
    // elsewhere can be served (localTtlSeconds), so loads never land after it resolved.
    revokeOptions: { wait: true },
    expectLateActiveLoads: false,
    createBackends: () =>
      createRedisTieredPair(driver, { url: redis.url, localTtlSeconds: 0.05, deafPeer: false }),
    async beforeRace(backends) {
      for (let waited = 0; waited < 5_000; waited += 5) {
        if (backends.every((backend) => backend.l1Enabled)) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error("the tiered backends never enabled L1");
    },
  });
}
