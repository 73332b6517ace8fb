/**
 * A Redis Cluster master (not the seed) SIGKILLed mid-run and its replica promoted: 3 masters
 * with one replica each, `cluster-node-timeout` 1000 ms, backends built with `cluster: true`
 * from the seed URL. The dead master stays dead.
 */
import { runClusterMasterKill } from "../cluster-master-kill.js";
import { CLUSTER_NODE_TIMEOUT_MS } from "../cluster-topology.js";
import type { Scenario } from "../scenario.js";

const VICTIM = 1;

export const clusterFailoverScenario: Scenario = {
  name: "cluster-failover",
  description: `Redis Cluster of 3 masters + 3 replicas (cluster-node-timeout ${CLUSTER_NODE_TIMEOUT_MS} ms), backends built from the seed with cluster: true; a master other than the seed SIGKILLed mid-run, its replica promoted`,
  run: (profile) =>
    runClusterMasterKill(profile, {
      tag: "cluster-failover",
      masterIndex: VICTIM,
      seed: false,
      describeKill: (victim, replica) =>
        `killed master ${VICTIM + 1} of 3 (port ${victim.port}); its replica (port ${replica.port}) promoted; the recovery probe writes a key on the killed master's slots`,
    }),
};
