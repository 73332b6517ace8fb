/**
 * The shared resolver recovery scenarios over node-redis, standalone and tiered: an event-loop
 * stall does not open the circuit, and hits are back within 2 s of Redis returning from a
 * SIGSTOP or a kill and restart. The tiered backend keeps L1 copies 0.2 s, so its hits after
 * a fault come from Redis.
 */
import { describeResolverRecovery } from "@apikey/conformance";
import { createRedisTieredBackend } from "@apikey/conformance/redis";
import { silentLogger } from "@apikey/core";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { nodeRedisDriver } from "../src/index.js";
import { randomPrefix } from "./test-clients.js";

const redis = useRedisServer({ spawn: true });
const faults = {
  pause: () => redis.pause(),
  resume: () => redis.resume(),
  kill: () => redis.kill(),
  restart: () => redis.restart(),
};
const report = (label: string) => (line: string) =>
  console.info(`[recovery node-redis] ${label}: ${line}`);

describeResolverRecovery("resolver recovery over node-redis (standalone)", {
  createBackend: () =>
    nodeRedisDriver.createBackend({
      url: redis.url,
      keyPrefix: randomPrefix("recovery"),
      logger: silentLogger,
    }),
  ...faults,
  report: report("standalone"),
});

describeResolverRecovery("resolver recovery over node-redis (tiered)", {
  createBackend: () =>
    createRedisTieredBackend(nodeRedisDriver, {
      url: redis.url,
      keyPrefix: randomPrefix("recovery-tiered"),
      localTtlSeconds: 0.2,
    }),
  ...faults,
  report: report("tiered"),
});
