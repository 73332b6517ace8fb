/**
 * The shared resolver outage scenario over node-redis: Redis hangs (SIGSTOP) under the resolver.
 */
import { describeResolverOutage } from "@apikey/conformance";
import { silentLogger } from "@apikey/core";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { nodeRedisDriver } from "../src/index.js";
import { randomPrefix } from "./test-clients.js";

const redis = useRedisServer({ spawn: true });

describeResolverOutage("resolver over node-redis while Redis is paused", {
  createBackend: () =>
    nodeRedisDriver.createBackend({
      url: redis.url,
      keyPrefix: randomPrefix("outage"),
      logger: silentLogger,
    }),
  pause: () => redis.pause(),
  resume: () => redis.resume(),
});
