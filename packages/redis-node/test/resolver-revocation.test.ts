/**
 * The resolver's revocation guarantee over node-redis: the shared race (1,000 rounds of revoke
 * racing loads that read "active") and tombstone check, on two resolvers with their own
 * backends and connections on one server and prefix.
 */
import { describeResolverRevocationRace, describeResolverTombstone } from "@apikey/conformance";
import { type ApiKeyCacheBackend, silentLogger } from "@apikey/core";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { nodeRedisDriver } from "../src/index.js";
import { randomPrefix } from "./test-clients.js";

const redis = useRedisServer({ spawn: true });

/** A backend on its own connection (a process of its own, in effect). */
function backendOn(keyPrefix: string): ApiKeyCacheBackend {
  return nodeRedisDriver.createBackend({ url: redis.url, keyPrefix, logger: silentLogger });
}

describeResolverRevocationRace("revocation race over node-redis", {
  createBackends: () => {
    const keyPrefix = randomPrefix("race");
    return [backendOn(keyPrefix), backendOn(keyPrefix)];
  },
});

describeResolverTombstone("revocation tombstone over node-redis", {
  createPair: () => {
    const keyPrefix = randomPrefix("race");
    return {
      backends: [backendOn(keyPrefix), backendOn(keyPrefix)],
      remainingTtlMs: async (key) =>
        Number(await redisCommand(redis.url, "PTTL", `${keyPrefix}${key}`)),
    };
  },
});
