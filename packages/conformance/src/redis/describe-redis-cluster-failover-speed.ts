/**
 * How soon a driver's cluster client finds a promoted replica: 3 masters + 3 replicas with a
 * short `cluster-node-timeout`, a write every 10 ms to a key on the victim's slots, and each
 * original master killed in turn (3 runs). Reported per run: when the cluster had promoted the
 * replica (`promotedMs`, polled) and when the client's write first succeeded again
 * (`servedMs`), both from the kill, and the client's lag between the two. Checked: the lag
 * stays within a bound (a slot map refresh after the node is lost, not a wait for a MOVED
 * reply or for the client's next reconnect to the dead node).
 */
import { type RedisDriver, silentLogger } from "@apikey/core";
import { clusterKeySlot } from "@apikey/core/redis";
import { splitSlots } from "@apikey/redis-test-server";
import { useRedisCluster } from "@apikey/redis-test-server/vitest";
import { describe, expect, it } from "vitest";
import { redisTestPrefix } from "./redis-test-prefix.js";

const COMMAND_TIMEOUT_MS = 500;
const NODE_TIMEOUT_MS = 1_000;
const RECOVERY_CAP_MS = 20_000;
/**
 * Longest lag allowed between the promotion (as polled every 50 ms) and the client's first
 * write to it: a refresh of the slot map plus a command deadline, with margin for a loaded
 * machine.
 */
export const CLUSTER_FAILOVER_CLIENT_LAG_CAP_MS = 2_500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Register the failover speed check of `driver` (a cluster of its own). */
export function describeRedisClusterFailoverSpeed(name: string, driver: RedisDriver): void {
  describe(`${name}: finding a promoted replica`, () => {
    const cluster = useRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: NODE_TIMEOUT_MS });
    const ranges = splitSlots(3);

    it("writes reach each killed master's promoted replica soon after the promotion (3 runs)", async () => {
      const keyPrefix = redisTestPrefix("failover-speed");
      const backend = driver.createBackend({
        url: cluster.seedUrl,
        keyPrefix,
        cluster: true,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        logger: silentLogger,
      });
      const runs: Array<{ run: number; promotedMs: number; servedMs: number; lagMs: number }> = [];
      try {
        for (let victimIndex = 0; victimIndex < 3; victimIndex++) {
          await cluster.waitUntilHealthy(RECOVERY_CAP_MS);
          const [first, last] = ranges[victimIndex] ?? [0, -1];
          let key = "";
          for (let i = 0; i < 10_000 && key === ""; i++) {
            const slot = clusterKeySlot(`${keyPrefix}k${i}`);
            if (slot >= first && slot <= last) key = `k${i}`;
          }
          const value = { apiKey: `ak_${key}`, active: true };
          const write = () =>
            backend.set(key, value, 60).then(
              () => true,
              () => false,
            );
          for (let i = 0; i < 200 && !(await write()); i++) await sleep(50);
          expect(await write()).toBe(true);
          const victim = cluster.nodes[victimIndex];
          if (victim === undefined) throw new Error("no such master");
          await victim.kill();
          const killedAt = performance.now();
          let servedMs: number | undefined;
          let writing = true;
          const traffic = (async () => {
            while (writing && performance.now() - killedAt < RECOVERY_CAP_MS) {
              const startedAt = performance.now();
              const ok = await write();
              // A write sent before the kill settled cannot count: only one started after it.
              if (ok && startedAt > killedAt) {
                servedMs = performance.now() - killedAt;
                return;
              }
              await sleep(10);
            }
          })();
          await cluster.waitUntilHealthy(RECOVERY_CAP_MS);
          const promotedMs = performance.now() - killedAt;
          await traffic;
          writing = false;
          expect(
            servedMs,
            `${name}: no write succeeded within ${RECOVERY_CAP_MS} ms`,
          ).toBeDefined();
          const served = servedMs as number;
          const run = {
            run: victimIndex + 1,
            promotedMs: Math.round(promotedMs),
            servedMs: Math.round(served),
            lagMs: Math.round(served - promotedMs),
          };
          runs.push(run);
          console.info(`[cluster failover] ${name}: ${JSON.stringify(run)}`);
        }
      } finally {
        await backend.close();
      }
      for (const run of runs) expect(run.lagMs).toBeLessThan(CLUSTER_FAILOVER_CLIENT_LAG_CAP_MS);
    }, 90_000);
  });
}
