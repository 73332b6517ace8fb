/**
 * "Another client like this one", for the dedicated connection of `revocationReplicas`'s
 * writes and their `WAIT`. A client `ioredisDriver` created comes with the factory that made
 * it (same URL, safe defaults, TLS, credentials, error guards and log); a caller's client is
 * duplicated (`duplicate()`: same options, so the same target, TLS, credentials and
 * database). A duplicate gets an `error` listener of its own: its errors reach the revoke that
 * waited for it, through the engine.
 */
import { type IoredisClient, isIoredisCluster } from "./ioredis-client.js";

const factories = new WeakMap<IoredisClient, () => IoredisClient>();

/** `create` makes another client like `client` (called by the driver for its own clients). */
export function rememberClientFactory(client: IoredisClient, create: () => IoredisClient): void {
  factories.set(client, create);
}

/** A new client like `client`, connecting on its own (or, if `client` was lazy, on demand). */
export function openClientLike(client: IoredisClient): IoredisClient {
  const create = factories.get(client);
  if (create !== undefined) return create();
  const duplicate: IoredisClient = isIoredisCluster(client)
    ? client.duplicate()
    : client.duplicate();
  duplicate.on("error", ignore);
  return duplicate;
}

function ignore(): void {}
