/**
 * A Sentinel failover: 1 master, 1 replica, 3 sentinels (quorum 2), backends built from the
 * `redis+sentinel://` URL; the master SIGKILLed mid-run for good and the replica promoted. The
 * failover counts as over once every sentinel names the new master (see below).
 */
import {
  type RedisServerHandle,
  redisCommandWithOptions,
  startRedisSentinelGroup,
} from "@apikey/redis-test-server";
import { runFailover } from "../failover-run.js";
import type { Scenario } from "../scenario.js";
import { sleep } from "../sleep.js";

const SENTINELS = 3;
const DOWN_AFTER_MS = 1_000;
const NEW_MASTER_CAP_MS = 20_000;
/** How often the sentinels are asked, and for how long at most, once one named the new master. */
const AGREEMENT_POLL_MS = 25;
const AGREEMENT_CAP_MS = 10_000;

/** Resolve once every running sentinel names `port` as the master; throws after the cap. */
async function waitUntilEverySentinelNames(
  sentinels: readonly RedisServerHandle[],
  masterName: string,
  port: number,
): Promise<void> {
  const deadline = performance.now() + AGREEMENT_CAP_MS;
  while (performance.now() < deadline) {
    const replies = await Promise.all(
      sentinels
        .filter((sentinel) => sentinel.running)
        .map((sentinel) =>
          redisCommandWithOptions(sentinel, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName], {
            timeoutMs: 1_000,
          }).catch(() => undefined),
        ),
    );
    if (replies.every((reply) => Array.isArray(reply) && Number(reply[1]) === port)) return;
    await sleep(AGREEMENT_POLL_MS);
  }
  throw new Error(`the sentinels did not all name port ${port} within ${AGREEMENT_CAP_MS} ms`);
}

export const sentinelFailoverScenario: Scenario = {
  name: "sentinel-failover",
  description: `Sentinel group of 1 master, 1 replica and ${SENTINELS} sentinels (down-after-milliseconds ${DOWN_AFTER_MS}), backends built from the redis+sentinel:// URL; the master SIGKILLed mid-run, the replica promoted`,
  async run(profile) {
    const group = await startRedisSentinelGroup({
      replicas: 1,
      sentinels: SENTINELS,
      downAfterMs: DOWN_AFTER_MS,
    });
    let killedAt = 0;
    let firstNamedAt = 0;
    let allNamedAt = 0;
    try {
      const previous = await group.currentMaster();
      const outcome = await runFailover({
        profile,
        tag: "sentinel-failover",
        redisUrl: group.url,
        storeUrl: () => group.url,
        cluster: false,
        kill: () => {
          killedAt = performance.now();
          return group.master.kill();
        },
        waitForNewMaster: async () => {
          const next = await group.waitForNewMaster(previous, NEW_MASTER_CAP_MS);
          const info = await redisCommandWithOptions(next, ["INFO", "replication"], {
            timeoutMs: 1_000,
          });
          if (!/^role:master\r?$/m.test(String(info))) {
            throw new Error(`the sentinels named ${next.port}, which is not a master`);
          }
          firstNamedAt = performance.now();
          // A client asks whichever sentinel it reaches, and a sentinel that was not the
          // leader learns the new configuration only from the leader's hello messages (sent
          // about every 2 s): until each of them names the new master, a client may rightly
          // be sent to the dead one. The failover is over, and recovery is timed, from then.
          await waitUntilEverySentinelNames(group.sentinels, group.masterName, next.port);
          allNamedAt = performance.now();
        },
      });
      // Every row, node-redis's included, is held to the suite's recovery bound: node-redis's
      // own rediscovery sleeps 1 s between attempts, and redis-node's Sentinel client watches
      // the sentinels itself while its master is unreachable (node-redis-sentinel-master-watch.ts).
      return {
        rows: outcome.rows,
        checks: outcome.checks,
        notes: [
          `killed the master (port ${previous.port}), never restarted; the sentinels promoted the replica (port ${group.replicas[0]?.port ?? "?"})`,
          `the first sentinel named the new master ${(firstNamedAt - killedAt).toFixed(0)} ms after the SIGKILL, all ${SENTINELS} of them ${(allNamedAt - killedAt).toFixed(0)} ms after it; "the new master serving" below is the second moment (a client is sent where the sentinel it asks says)`,
          ...outcome.notes,
        ],
      };
    } finally {
      await group.stop();
    }
  },
};
