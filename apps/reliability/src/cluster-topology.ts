/**
 * The Redis Cluster the cluster scenarios fault: 3 masters with one replica each and a short
 * `cluster-node-timeout`, a probe key placed on the slots of the master to be killed (so the
 * recovery time is that of the client finding the promoted replica), and the bounded wait for
 * that replica to serve.
 */
import { clusterKeySlot } from "@apikey/core/redis";
import {
  clusterInfo,
  type RedisClusterHandle,
  type RedisClusterReplica,
  splitSlots,
  startRedisCluster,
} from "@apikey/redis-test-server";
import { sleep } from "./sleep.js";

export const CLUSTER_MASTERS = 3;
/** `cluster-node-timeout`: a dead master is marked failed after about this long. */
export const CLUSTER_NODE_TIMEOUT_MS = 1_000;
const PROMOTION_CAP_MS = 20_000;
const POLL_MS = 50;

export function startFailoverCluster(): Promise<RedisClusterHandle> {
  return startRedisCluster({
    masters: CLUSTER_MASTERS,
    replicas: 1,
    nodeTimeoutMs: CLUSTER_NODE_TIMEOUT_MS,
  });
}

/** The replica started under master `masterIndex`. */
export function replicaOf(cluster: RedisClusterHandle, masterIndex: number): RedisClusterReplica {
  const replica = cluster.replicas.find((candidate) => candidate.masterIndex === masterIndex);
  if (replica === undefined) throw new Error(`no replica of master ${masterIndex}`);
  return replica;
}

/** Whether a full key (prefix included) hashes to the slots master `masterIndex` started with. */
export function onMasterSlots(masterIndex: number): (fullKey: string) => boolean {
  const [first, last] = splitSlots(CLUSTER_MASTERS)[masterIndex] ?? [0, -1];
  return (fullKey) => {
    const slot = clusterKeySlot(fullKey);
    return slot >= first && slot <= last;
  };
}

/** A probe key whose full key (prefix included) hashes to the slots of master `masterIndex`. */
export function probeKeyOnMaster(masterIndex: number): (keyPrefix: string) => string {
  const onMaster = onMasterSlots(masterIndex);
  return (keyPrefix) => {
    for (let n = 0; n < 100_000; n++) {
      if (onMaster(`${keyPrefix}reliability-probe-${n}`)) return `reliability-probe-${n}`;
    }
    throw new Error(`no probe key on the slots of master ${masterIndex}`);
  };
}

/** Resolves once `replica` is listed as a master and reports `cluster_state:ok` (bounded). */
export async function waitForPromotion(
  cluster: RedisClusterHandle,
  replica: RedisClusterReplica,
): Promise<void> {
  const endAt = performance.now() + PROMOTION_CAP_MS;
  let last = "";
  while (performance.now() < endAt) {
    try {
      const masters = await cluster.currentMasters();
      const promoted = masters.some((master) => master.port === replica.port);
      const state = (await clusterInfo(replica)).cluster_state;
      if (promoted && state === "ok") return;
      last = `listed as master: ${promoted}, cluster_state: ${state}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(POLL_MS);
  }
  throw new Error(`replica ${replica.port} not serving within ${PROMOTION_CAP_MS} ms (${last})`);
}
