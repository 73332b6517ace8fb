/**
 * A Sentinel failover: 1 master, 1 replica, 3 sentinels (quorum 2), backends built from the
 * `redis+sentinel://` URL; the master SIGKILLed mid-run for good and the replica promoted.
 */
import { redisCommandWithOptions, startRedisSentinelGroup } from "@apikey/redis-test-server";
import { runFailover } from "../failover-run.js";
import type { Scenario } from "../scenario.js";

const SENTINELS = 3;
const DOWN_AFTER_MS = 1_000;
const NEW_MASTER_CAP_MS = 20_000;

export const sentinelFailoverScenario: Scenario = {
  name: "sentinel-failover",
  description: `Sentinel group of 1 master, 1 replica and ${SENTINELS} sentinels (down-after-milliseconds ${DOWN_AFTER_MS}), backends built from the redis+sentinel:// URL; the master SIGKILLed mid-run, the replica promoted`,
  async run(profile) {
    const group = await startRedisSentinelGroup({
      replicas: 1,
      sentinels: SENTINELS,
      downAfterMs: DOWN_AFTER_MS,
    });
    try {
      const previous = await group.currentMaster();
      const outcome = await runFailover({
        profile,
        tag: "sentinel-failover",
        redisUrl: group.url,
        storeUrl: () => group.url,
        cluster: false,
        kill: () => group.master.kill(),
        waitForNewMaster: async () => {
          const next = await group.waitForNewMaster(previous, NEW_MASTER_CAP_MS);
          const info = await redisCommandWithOptions(next, ["INFO", "replication"], {
            timeoutMs: 1_000,
          });
          if (!/^role:master\r?$/m.test(String(info))) {
            throw new Error(`the sentinels named ${next.port}, which is not a master`);
          }
        },
      });
      return {
        rows: outcome.rows,
        checks: outcome.checks,
        notes: [
          `killed the master (port ${previous.port}), never restarted; the sentinels promoted the replica (port ${group.replicas[0]?.port ?? "?"})`,
          ...outcome.notes,
        ],
      };
    } finally {
      await group.stop();
    }
  },
};
