/**
 * PUBLISH on a node-redis cluster. node-redis 6 routes a raw command by its command-policy
 * table, not by the key it is given: PUBLISH is "default-keyless", so it goes to the next
 * node of a round robin over every node the client knows, a dead one included until the slot
 * map drops it. After a master died, every third or so publish then failed with "The client
 * is offline", and a tiered backend bypassed its L1 after each failure. Classic pub/sub is
 * propagated to every node of a cluster, so any master that is up can take it: the routing
 * key's master while its client is ready, else another ready master. When none is ready, the
 * cluster routes it as before and node-redis rejects it.
 */
import type { NodeRedisCluster, NodeRedisCommandOptions } from "./node-redis-client.js";

/** A node of node-redis's slot map, as far as the choice reads it. */
interface ClusterNodeShape {
  readonly client?: { readonly isReady?: unknown };
}

function isReadyNode(node: unknown): boolean {
  return (
    typeof node === "object" && node !== null && (node as ClusterNodeShape).client?.isReady === true
  );
}

/** The master to publish on: `slot`'s while ready, else the first ready master, else none. */
export function readyPublishMaster(cluster: NodeRedisCluster, slot: number): unknown {
  const own = cluster.slots?.[slot]?.master;
  if (isReadyNode(own)) return own;
  return cluster.masters.find(isReadyNode);
}

/** Send `argv` (a PUBLISH) to a ready master of `cluster`; see the file comment. */
export async function publishOnReadyMaster(
  cluster: NodeRedisCluster,
  slot: number,
  routingKey: string,
  argv: string[],
  options: NodeRedisCommandOptions,
): Promise<unknown> {
  const master = readyPublishMaster(cluster, slot);
  if (master === undefined) return cluster.sendCommand(routingKey, false, argv, options);
  const client = await cluster.nodeClient(master);
  return client.sendCommand(argv, options);
}
