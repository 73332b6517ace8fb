/**
 * The shared resolver outage scenario over ioredis: Redis hangs (SIGSTOP) under the resolver.
 */
import { describeResolverOutage } from "@apikey/conformance";
import { silentLogger } from "@apikey/core";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { ioredisDriver } from "../src/index.js";
import { testPrefix } from "./support/test-prefix.js";

const redis = useRedisServer({ spawn: true });

describeResolverOutage("resolver over ioredis while Redis is paused", {
  createBackend: () =>
    ioredisDriver.createBackend({
      url: redis.url,
      keyPrefix: testPrefix("outage"),
      logger: silentLogger,
    }),
  pause: () => redis.pause(),
  resume: () => redis.resume(),
});
