/**
 * `nodeRedisDriver`: the `RedisDriver` core's `buildApiKeyCacheBackend` uses to create
 * node-redis backends and buses that own their clients, with the safe defaults of
 * `node-redis-client-options.ts`, an `error` listener on every client (a node-redis
 * client without one crashes the process on the first dropped connection) and the connection
 * setup bounded by the call deadline (`node-redis-handshake-deadline.ts`; on a Sentinel client,
 * its master connections' reconnects, see `node-redis-sentinel-client.ts`).
 */
import type { RedisDriver } from "@apikey/core";
import {
  createConnectionErrorLog,
  explainConnectionError,
  type ResolvedRedisDriverOptions,
  resolveRedisDriverBackendOptions,
  resolveRedisDriverOptions,
  warnOnNestedKeyPrefix,
} from "@apikey/core/redis";
import { createClient, createCluster } from "redis";
import { NodeRedisApiKeyCacheBackend } from "./node-redis-backend.js";
import type { NodeRedisClient, NodeRedisClientOrCluster } from "./node-redis-client.js";
import {
  nodeRedisClientOptions,
  nodeRedisClusterOptions,
  nodeRedisConnectionSetupTimeoutMs,
} from "./node-redis-client-options.js";
import { boundNodeRedisConnectionSetup } from "./node-redis-handshake-deadline.js";
import { NodeRedisInvalidationBus } from "./node-redis-invalidation-bus.js";
import {
  boundNodeRedisSentinelConnectionSetup,
  createNodeRedisSentinelClient,
} from "./node-redis-sentinel-client.js";
import { rememberClientFactory } from "./node-redis-write-client.js";

const OWNER = "nodeRedisDriver";

/** A client (or cluster) with the safe defaults and a rate-limited error listener; not connected. */
function createOwnedClient(
  options: ResolvedRedisDriverOptions,
  label: string,
  pingIdleConnection = true,
): NodeRedisClientOrCluster {
  const { endpoint } = options;
  const safe = {
    commandTimeoutMs: options.commandTimeoutMs,
    pingIdleConnection,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  };
  const sentinel = endpoint.sentinel;
  const client: NodeRedisClientOrCluster =
    sentinel !== undefined
      ? createNodeRedisSentinelClient(
          {
            endpoint: { ...endpoint, sentinel },
            ...(options.sentinelAuth === undefined ? {} : { sentinelAuth: options.sentinelAuth }),
          },
          safe,
        )
      : options.cluster
        ? (createCluster(
            nodeRedisClusterOptions(options.url, safe),
          ) as unknown as NodeRedisClientOrCluster)
        : (createClient(
            nodeRedisClientOptions(options.url, safe),
          ) as unknown as NodeRedisClientOrCluster);
  // First: every later listener (the log, the engine) reads the explained message.
  const explain = (error: unknown): void => {
    explainConnectionError(error, endpoint);
  };
  client.on("error", explain);
  client.on("error", createConnectionErrorLog(options.logger, label));
  // A socket's setup (HELLO...) gets the call deadline, not the 3 s idle timeout.
  const setupTimeoutMs = nodeRedisConnectionSetupTimeoutMs(options.commandTimeoutMs);
  if (sentinel === undefined) boundNodeRedisConnectionSetup(client, setupTimeoutMs);
  // A Sentinel client's master connections, each once reached (see there).
  else boundNodeRedisSentinelConnectionSetup(client, setupTimeoutMs);
  if (options.cluster) {
    client.on("node-error", explain);
    // Per-node errors are re-emitted as "node-error" and need the same rate-limited report.
    client.on("node-error", createConnectionErrorLog(options.logger, `${label} (cluster node)`));
  }
  return client;
}

/**
 * The node-redis {@link RedisDriver}: backends and buses on clients it creates and owns,
 * connected in the background (construction never blocks), closed by their `close()`.
 *
 * @example
 * const backend = buildApiKeyCacheBackend({ backend: "redis", redisUrl, redis: nodeRedisDriver });
 */
export const nodeRedisDriver: RedisDriver = {
  name: "node-redis",

  createBackend(options) {
    const resolved = resolveRedisDriverBackendOptions(options, OWNER);
    const client = createOwnedClient(resolved, "NodeRedisApiKeyCacheBackend");
    // The dedicated connection of revocationReplicas's writes, if the backend opens it.
    rememberClientFactory(client, () =>
      createOwnedClient(resolved, "NodeRedisApiKeyCacheBackend revocation writes"),
    );
    let backend: NodeRedisApiKeyCacheBackend;
    try {
      backend = new NodeRedisApiKeyCacheBackend(client, { ...resolved, ownsClient: true });
    } catch (error) {
      client.destroy();
      throw error;
    }
    const { endpoint, keyPrefix, logger } = resolved;
    warnOnNestedKeyPrefix(endpoint.address, keyPrefix, logger, OWNER);
    return backend;
  },

  createInvalidationBus(options) {
    const resolved = resolveRedisDriverOptions(options, OWNER);
    const publisher = createOwnedClient(resolved, "NodeRedisInvalidationBus publisher");
    // The subscriber is one standalone connection even for a cluster: classic pub/sub
    // messages reach every node. The bus pings it itself, within its deadline.
    const subscriber = createOwnedClient(
      { ...resolved, cluster: false },
      "NodeRedisInvalidationBus subscriber",
      false,
    ) as NodeRedisClient;
    try {
      return new NodeRedisInvalidationBus({
        publisher,
        subscriber,
        channel: options.channel,
        logger: resolved.logger,
        commandTimeoutMs: resolved.commandTimeoutMs,
        ownsClients: true,
      });
    } catch (error) {
      publisher.destroy();
      subscriber.destroy();
      throw error;
    }
  },
};
