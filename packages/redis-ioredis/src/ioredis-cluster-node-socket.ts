/**
 * Replacing the socket of one node of an ioredis `Cluster` that the engine found unresponsive
 * (a PING to that master went unanswered). ioredis gives its node connections no retry
 * strategy: a node that is disconnected ends, and its pool drops it. The slot map is then
 * refreshed (from a node still in the pool, never the silent one), and the refresh connects
 * the node again; a command routed to it meanwhile goes to another master and follows its
 * MOVED reply. The other nodes keep their connections.
 */
import type { Cluster, Redis } from "ioredis";

/** Drop `node`'s socket and have `cluster` reconnect it through a slot map refresh. */
export function replaceClusterNodeSocket(cluster: Cluster, node: Redis): void {
  if (cluster.status !== "ready" || node.status === "end") return;
  node.once("end", () => {
    if (cluster.status === "ready") cluster.refreshSlotsCache();
  });
  node.disconnect();
}
