/**
 * The cluster node the backends were built from (the seed in their URL) SIGKILLed for good,
 * its replica taking over: revokes, the bus and L1 must keep working without the only node
 * the configuration names.
 */
import { runClusterMasterKill } from "../cluster-master-kill.js";
import { CLUSTER_NODE_TIMEOUT_MS } from "../cluster-topology.js";
import type { Scenario } from "../scenario.js";

const SEED = 0;

export const seedNodeKilledScenario: Scenario = {
  name: "seed-node-killed",
  description: `Redis Cluster of 3 masters + 3 replicas (cluster-node-timeout ${CLUSTER_NODE_TIMEOUT_MS} ms); the seed node of the backends' URL SIGKILLed for good mid-run, its replica promoted; revocations afterwards must still reach every instance`,
  run: (profile) =>
    runClusterMasterKill(profile, {
      tag: "seed-killed",
      masterIndex: SEED,
      seed: true,
      describeKill: (seed, replica) =>
        `killed the seed (port ${seed.port}, the only node in the backends' URL), never restarted; its replica (port ${replica.port}) promoted; the recovery probe writes a key on the seed's slots`,
    }),
};
