/**
 * The shared resolver recovery scenarios over a driver, standalone and tiered, on a server of
 * their own: an event-loop stall does not open the circuit, and hits are back within 2 s of
 * Redis returning from a SIGSTOP or a kill and restart. The tiered backend keeps L1 copies
 * 0.2 s, so its hits after a fault come from Redis.
 */
import { type RedisDriver, silentLogger } from "@apikey/core";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { describe } from "vitest";
import { describeResolverRecovery } from "../resolver/describe-resolver-recovery.js";
import { redisTestPrefix } from "./redis-test-prefix.js";
import { createRedisTieredBackend } from "./redis-tiered-backend.js";

/** Register the resolver recovery scenarios of `driver`; they spawn the server they fault. */
export function describeRedisResolverRecovery(name: string, driver: RedisDriver): void {
  describe(`${name}: resolver recovery`, () => {
    const redis = useRedisServer({ spawn: true });
    const faults = {
      pause: () => redis.pause(),
      resume: () => redis.resume(),
      kill: () => redis.kill(),
      restart: () => redis.restart(),
    };
    const report = (label: string) => (line: string) =>
      console.info(`[recovery ${name}] ${label}: ${line}`);

    describeResolverRecovery(`resolver recovery over ${name} (standalone)`, {
      createBackend: () =>
        driver.createBackend({
          url: redis.url,
          keyPrefix: redisTestPrefix("recovery"),
          logger: silentLogger,
        }),
      ...faults,
      report: report("standalone"),
    });

    describeResolverRecovery(`resolver recovery over ${name} (tiered)`, {
      createBackend: () =>
        createRedisTieredBackend(driver, {
          url: redis.url,
          keyPrefix: redisTestPrefix("recovery-tiered"),
          localTtlSeconds: 0.2,
        }),
      ...faults,
      report: report("tiered"),
    });
  });
}
