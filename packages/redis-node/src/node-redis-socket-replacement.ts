/**
 * Replacing a node-redis socket the engine found unresponsive (a PING after a missed deadline
 * went unanswered). node-redis has no call to drop only a client's socket, and its socket
 * timeout never fires while writes continue, so a client is destroyed (failing what is in
 * flight on the silent socket with `DisconnectsClientError`) and connected again; the same
 * client object stays in use. That serves a standalone client and one node client of a
 * cluster alike (the cluster keeps the node's client object and the other nodes' sockets). A
 * Sentinel client is rebuilt instead: see `node-redis-sentinel-client.ts`.
 */
import type { NodeRedisClient } from "./node-redis-client.js";
import { replaceSentinelMasterConnection } from "./node-redis-sentinel-client.js";

/** Destroy `client`'s socket and connect it again; a Sentinel client asks for the master anew. */
export function replaceUnresponsiveClientSocket(client: NodeRedisClient): void {
  if (replaceSentinelMasterConnection(client)) return;
  if (!client.isOpen) return;
  client.destroy();
  client.connect().catch(() => {
    // Reported through the "error" listener; the reconnect strategy keeps trying.
  });
}
