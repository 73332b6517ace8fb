/**
 * The resolver's revocation guarantee over ioredis: the shared race (1,000 rounds of revoke
 * racing loads that read "active") and tombstone check, on two resolvers with their own
 * backends and connections on one server and prefix.
 */
import { describeResolverRevocationRace, describeResolverTombstone } from "@apikey/conformance";
import { type ApiKeyCacheBackend, silentLogger } from "@apikey/core";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { ioredisDriver } from "../src/index.js";
import { testPrefix } from "./support/test-prefix.js";

const redis = useRedisServer({ spawn: true });

/** A backend on its own connection (a process of its own, in effect). */
function backendOn(keyPrefix: string): ApiKeyCacheBackend {
  return ioredisDriver.createBackend({ url: redis.url, keyPrefix, logger: silentLogger });
}

describeResolverRevocationRace("revocation race over ioredis", {
  createBackends: () => {
    const keyPrefix = testPrefix("race");
    return [backendOn(keyPrefix), backendOn(keyPrefix)];
  },
});

describeResolverTombstone("revocation tombstone over ioredis", {
  createPair: () => {
    const keyPrefix = testPrefix("race");
    return {
      backends: [backendOn(keyPrefix), backendOn(keyPrefix)],
      remainingTtlMs: async (key) =>
        Number(await redisCommand(redis.url, "PTTL", `${keyPrefix}${key}`)),
    };
  },
});
