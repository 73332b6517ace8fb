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
/**
 * node-redis's Sentinel client cannot use the promoted master before a sentinel stops flagging
 * it `disconnected` (node-redis's `parseNode`), about 0.8 to 1 s after the sentinels name it,
 * and then pays for new clients (each built with its own command class, about 50 ms of CPU)
 * before it serves: the suite's 2 s goal was not shown to hold for it. Its own 1 s
 * rediscovery sleep is cut by redis-node's master watch (docs/architecture.md, the paragraph
 * on Sentinel failovers). The miss is reported per run.
 */
const NODE_REDIS_SENTINEL_RECOVERY_BOUND = {
  ms: 3_000,
  reason:
    "node-redis's Sentinel client refuses the promoted master while the sentinels flag it disconnected (0.8-1 s) and then builds new clients (about 50 ms of CPU each)",
} as const;
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
      return {
        rows: outcome.rows,
        checks: outcome.checks,
        recoveryBounds: Object.fromEntries(
          outcome.rows
            .filter((row) => row.kind.endsWith("-node"))
            .map((row) => [row.kind, NODE_REDIS_SENTINEL_RECOVERY_BOUND]),
        ),
        notes: [
          `killed the master (port ${previous.port}), never restarted; the sentinels promoted the replica (port ${group.replicas[0]?.port ?? "?"})`,
          `the first sentinel named the new master ${(firstNamedAt - killedAt).toFixed(0)} ms after the SIGKILL, all ${SENTINELS} of them ${(allNamedAt - killedAt).toFixed(0)} ms after it; "the new master serving" below is the second moment (a client is sent where the sentinel it asks says)`,
          ...outcome.notes,
          `node-redis rows: the suite's recovery goal (2000 ms) is not held for node-redis's Sentinel client; its check allows ${NODE_REDIS_SENTINEL_RECOVERY_BOUND.ms} ms (${NODE_REDIS_SENTINEL_RECOVERY_BOUND.reason}); the recovery column gives the measured time`,
        ],
      };
    } finally {
      await group.stop();
    }
  },
};
