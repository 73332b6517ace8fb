/**
 * The cluster node the backends were built from (the seed in their URL) SIGKILLed for good,
 * its replica taking over: revokes, the bus and L1 must keep working without the only node
 * the configuration names.
 */
import {
  CLUSTER_NODE_TIMEOUT_MS,
  probeKeyOnMaster,
  replicaOf,
  startFailoverCluster,
  waitForPromotion,
} from "../cluster-topology.js";
import { runFailover } from "../failover-run.js";
import type { Scenario } from "../scenario.js";

const SEED = 0;

export const seedNodeKilledScenario: Scenario = {
  name: "seed-node-killed",
  description: `Redis Cluster of 3 masters + 3 replicas (cluster-node-timeout ${CLUSTER_NODE_TIMEOUT_MS} ms); the seed node of the backends' URL SIGKILLed for good mid-run, its replica promoted; revocations afterwards must still reach every instance`,
  async run(profile) {
    const cluster = await startFailoverCluster();
    try {
      const seed = cluster.nodes[SEED];
      if (seed === undefined || seed.url !== cluster.seedUrl) throw new Error("no seed node");
      const replica = replicaOf(cluster, SEED);
      const outcome = await runFailover({
        profile,
        tag: "seed-killed",
        redisUrl: cluster.seedUrl,
        storeUrl: () => replica.url,
        cluster: true,
        probeKeyFor: probeKeyOnMaster(SEED),
        kill: () => seed.kill(),
        waitForNewMaster: () => waitForPromotion(cluster, replica),
      });
      return {
        rows: outcome.rows,
        checks: outcome.checks,
        notes: [
          `killed the seed (port ${seed.port}, the only node in the backends' URL), never restarted; its replica (port ${replica.port}) promoted; the recovery probe writes a key on the seed's slots`,
          ...outcome.notes,
        ],
      };
    } finally {
      await cluster.stop();
    }
  },
};
