/**
 * The run both cluster kill scenarios share: a failover cluster (`cluster-topology`), backends
 * built from its seed with `cluster: true`, one master SIGKILLed for good mid-run and its
 * replica promoted; the recovery probe writes a key on the killed master's slots.
 */
import type { RedisServerHandle } from "@apikey/redis-test-server";
import {
  onMasterSlots,
  probeKeyOnMaster,
  replicaOf,
  startFailoverCluster,
  waitForPromotion,
} from "./cluster-topology.js";
import { runFailover } from "./failover-run.js";
import type { Profile } from "./profile.js";
import type { ScenarioResult } from "./scenario.js";

export interface ClusterMasterKill {
  readonly tag: string;
  /** Index of the master to kill in the cluster's nodes (0 is the seed). */
  readonly masterIndex: number;
  /** The killed master must be the seed, the only node in the backends' URL. */
  readonly seed: boolean;
  /** The first note: which node was killed, given it and its replica. */
  describeKill(victim: RedisServerHandle, replica: { readonly port: number }): string;
}

export async function runClusterMasterKill(
  profile: Profile,
  kill: ClusterMasterKill,
): Promise<Omit<ScenarioResult, "durationMs" | "name" | "description">> {
  const cluster = await startFailoverCluster();
  try {
    const victim = cluster.nodes[kill.masterIndex];
    if (victim === undefined) throw new Error(`no master ${kill.masterIndex} in the cluster`);
    if ((victim.url === cluster.seedUrl) !== kill.seed)
      throw new Error(`master ${kill.masterIndex} is ${kill.seed ? "not " : ""}the seed`);
    const replica = replicaOf(cluster, kill.masterIndex);
    const outcome = await runFailover({
      profile,
      tag: kill.tag,
      redisUrl: cluster.seedUrl,
      storeUrl: () => replica.url,
      cluster: true,
      probeKeyFor: probeKeyOnMaster(kill.masterIndex),
      onKilledMaster: onMasterSlots(kill.masterIndex),
      kill: () => victim.kill(),
      waitForNewMaster: () => waitForPromotion(cluster, replica),
    });
    return {
      rows: outcome.rows,
      checks: outcome.checks,
      notes: [kill.describeKill(victim, replica), ...outcome.notes],
    };
  } finally {
    await cluster.stop();
  }
}
