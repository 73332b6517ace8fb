/**
 * The ioredis clients this package accepts: a single-node `Redis` or a `Cluster`. Only types
 * are imported here, so ioredis stays a peer dependency resolved from the caller's install.
 */
import { hasMemberTypes } from "@apikey/core/redis";
import type { Cluster, Redis } from "ioredis";

/** A single-node ioredis client or an ioredis Cluster. */
export type IoredisClient = Redis | Cluster;

/** True for an ioredis `Cluster` (both classes carry an `isCluster` flag). */
export function isIoredisCluster(client: IoredisClient): client is Cluster {
  return client.isCluster === true;
}

/** True when `candidate` looks like an ioredis client (used to reject wrong arguments early). */
export function looksLikeIoredisClient(candidate: unknown): candidate is IoredisClient {
  return hasMemberTypes(candidate, {
    status: "string",
    isCluster: "boolean",
    get: "function",
    on: "function",
  });
}
