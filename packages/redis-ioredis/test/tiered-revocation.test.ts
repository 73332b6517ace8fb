/**
 * The revocation guarantee through the tiered backend over ioredis: the shared tiered races
 * on two process-like instances (each its own L1, Redis connection and bus subscription) on
 * one server and prefix.
 */
import { describeTieredRevocationRace } from "@apikey/conformance";
import { createRedisTieredPair } from "@apikey/conformance/redis";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { ioredisDriver } from "../src/index.js";

const redis = useRedisServer({ spawn: true });

describeTieredRevocationRace("revocation race through the tiered backend (ioredis)", {
  createPair: (request) => createRedisTieredPair(ioredisDriver, { url: redis.url, ...request }),
});
