/**
 * "Another client like this one", for the dedicated connection of `revocationReplicas`'s
 * writes and their `WAIT`. A client `nodeRedisDriver` created comes with the factory that
 * made it (same URL or Sentinel group, safe defaults, TLS, credentials, error listeners); a
 * caller's client or cluster is duplicated (`duplicate()`: same options, so the same target,
 * TLS, credentials and database). A duplicate gets an `error` listener of its own (node-redis
 * throws an `error` event nobody listens to): its errors reach the revoke that waited for it,
 * through the engine. `undefined` for a client that can do neither.
 */
import type { NodeRedisClientOrCluster } from "./node-redis-client.js";

const factories = new WeakMap<NodeRedisClientOrCluster, () => NodeRedisClientOrCluster>();

/** `create` makes another client like `client` (called by the driver for its own clients). */
export function rememberClientFactory(
  client: NodeRedisClientOrCluster,
  create: () => NodeRedisClientOrCluster,
): void {
  factories.set(client, create);
}

/** A new, not yet connected client like `client`; `undefined` when it cannot be made. */
export function openClientLike(
  client: NodeRedisClientOrCluster,
): NodeRedisClientOrCluster | undefined {
  const create = factories.get(client);
  if (create !== undefined) return create();
  const { duplicate } = client as { duplicate?: () => NodeRedisClientOrCluster };
  if (typeof duplicate !== "function") return undefined;
  const copy = duplicate.call(client);
  copy.on("error", ignore);
  return copy;
}

function ignore(): void {}
