/**
 * Safe defaults for the clients this package creates. node-redis's defaults can hang or crash
 * a service: `connect()` never settles while the server is down, the offline queue holds
 * commands without bound, a command written to a hung socket waits forever, and a missing
 * `error` listener crashes the process. These options close each of those holes.
 */

import type { RedisTlsOptions } from "@apikey/core";
import {
  isAuthError,
  MAX_RECONNECT_DELAY_MS,
  parseRedisUrl,
  reconnectDelayAfter,
  reconnectDelayMs,
} from "@apikey/core/redis";
import type { RedisClientOptions, RedisClusterOptions } from "redis";

/** How often an idle connection is pinged, so a hung server trips the socket timeout. */
export const NODE_REDIS_PING_INTERVAL_MS = 1000;

/**
 * Longest wait between two reconnect attempts.
 * @deprecated use `MAX_RECONNECT_DELAY_MS` of `@apikey/core/redis` (the same value).
 */
export const NODE_REDIS_MAX_RECONNECT_DELAY_MS: number = MAX_RECONNECT_DELAY_MS;

/**
 * Capped exponential backoff with jitter; never gives up (a cache outlives Redis outages).
 * @param retries node-redis's count, from 0.
 * @deprecated use `reconnectDelayMs(retries + 1)` of `@apikey/core/redis`: this is it.
 */
export function nodeRedisReconnectDelay(retries: number): number {
  return reconnectDelayMs(retries + 1);
}

/**
 * Socket idle timeout: a connection silent this long is destroyed and reconnected. Idle
 * connections are pinged every second, so only a hung server or a half-open link stays silent.
 */
export function nodeRedisSocketTimeoutMs(commandTimeoutMs: number): number {
  return Math.max(3 * NODE_REDIS_PING_INTERVAL_MS, 2 * commandTimeoutMs);
}

/** The shortest connection setup deadline (a stalled event loop must not fail a live setup). */
const MIN_CONNECTION_SETUP_TIMEOUT_MS = 250;

/**
 * How long a new socket of the driver's clients may take from its connect to the client being
 * ready (node-redis's setup commands: HELLO, CLIENT SETINFO, SELECT, resubscribes) before the
 * attempt is given up and node-redis connects again: the call deadline (at least 250 ms),
 * where node-redis itself waits for the socket idle timeout. See
 * `node-redis-handshake-deadline.ts`.
 */
export function nodeRedisConnectionSetupTimeoutMs(commandTimeoutMs: number): number {
  return Math.min(
    nodeRedisSocketTimeoutMs(commandTimeoutMs),
    Math.max(MIN_CONNECTION_SETUP_TIMEOUT_MS, commandTimeoutMs),
  );
}

/**
 * How soon after a cluster node's first reconnect attempt node-redis refreshes the slot map
 * (its `topologyRefreshOnReconnectionAttemptStrategy`; node-redis's default is 5000 ms, and
 * without a refresh it learns of a promoted replica only from a MOVED reply, which a slot
 * whose master is dead never gives). The refresh asks a node that is not reconnecting.
 */
export const NODE_REDIS_CLUSTER_TOPOLOGY_REFRESH_MS = 100;

/**
 * Longest wait between two reconnect attempts of one cluster node, and of a Sentinel group's
 * master and sentinel clients (auth failures excepted): node-redis checks for a due slot map
 * refresh on a reconnect attempt only, so this is also the longest wait for the next refresh
 * while a node is lost; after a Sentinel failover it bounds how long the clients keep waiting
 * to retry before they ask the sentinels for the promoted master.
 */
export const NODE_REDIS_CLUSTER_NODE_RECONNECT_CAP_MS = 500;

/** What {@link nodeRedisClientOptions} and {@link nodeRedisClusterOptions} take. */
export interface NodeRedisSafeOptions {
  /** The call deadline the client is built for. */
  commandTimeoutMs: number;
  /**
   * Let node-redis ping the idle connection. Off for a subscriber, which the bus pings
   * itself (within its deadline). @default true
   */
  pingIdleConnection?: boolean;
  /**
   * TLS settings for a `rediss://` URL: CA, client certificate and key, server name.
   * @default Node's defaults (bundled CAs, the URL's host as server name)
   */
  tls?: RedisTlsOptions;
}

/** The socket's TLS part for a `rediss://` URL: `tls: true` plus Node's `tls.connect` options. */
export function nodeRedisTlsSocketOptions(tls: RedisTlsOptions | undefined): { tls: true } {
  // Node accepts any ArrayBufferView for PEM fields; its types say Buffer.
  return { ...(tls ?? {}), tls: true } as { tls: true };
}

/** What every owned connection's socket gets. */
export interface NodeRedisSocketDefaults {
  connectTimeout: number;
  socketTimeout: number;
  reconnectStrategy: (retries: number, cause: unknown) => number;
}

/** The connect timeout, socket timeout and reconnect strategy of every owned connection. */
export function socketDefaults(commandTimeoutMs: number): NodeRedisSocketDefaults {
  return {
    connectTimeout: Math.max(2000, commandTimeoutMs),
    socketTimeout: nodeRedisSocketTimeoutMs(commandTimeoutMs),
    // After an authentication failure, the longest delay at once (see reconnectDelayAfter).
    reconnectStrategy: (retries: number, cause: unknown): number =>
      reconnectDelayAfter(retries + 1, cause),
  };
}

/**
 * Options for `createClient()`: background-friendly reconnects that never give up, no
 * offline queue (calls wait for readiness within their own deadline instead), node-redis's
 * per-command timeout off (the package's deadline bounds every call), and a socket timeout
 * with idle pings so a hung server is noticed and the connection replaced.
 */
export function nodeRedisClientOptions(
  url: string,
  options: NodeRedisSafeOptions,
): RedisClientOptions {
  const socket = socketDefaults(options.commandTimeoutMs);
  const clientOptions: RedisClientOptions = {
    url,
    socket:
      options.tls === undefined ? socket : { ...socket, ...nodeRedisTlsSocketOptions(options.tls) },
    disableOfflineQueue: true,
    commandOptions: { timeout: 0 },
  };
  if (options.pingIdleConnection !== false)
    clientOptions.pingInterval = NODE_REDIS_PING_INTERVAL_MS;
  return clientOptions;
}

/**
 * Options for `createCluster()` seeded from one URL, with the same safe defaults on every
 * node connection. Credentials and TLS come from the URL: discovered nodes do not inherit
 * the seed's settings, only `defaults`.
 */
export function nodeRedisClusterOptions(
  url: string,
  options: NodeRedisSafeOptions,
): RedisClusterOptions {
  const endpoint = parseRedisUrl(url, "nodeRedisClusterOptions");
  const socket: NodeRedisSocketDefaults = {
    ...socketDefaults(options.commandTimeoutMs),
    reconnectStrategy: topologyNodeReconnectDelay,
  };
  const defaults: NonNullable<RedisClusterOptions["defaults"]> = {
    socket: endpoint.tls ? { ...socket, ...nodeRedisTlsSocketOptions(options.tls) } : socket,
    disableOfflineQueue: true,
    pingInterval: NODE_REDIS_PING_INTERVAL_MS,
  };
  if (endpoint.username !== undefined) defaults.username = endpoint.username;
  if (endpoint.password !== undefined) defaults.password = endpoint.password;
  // The cluster's command options reach the node clients with every routed command.
  return {
    rootNodes: [{ url }],
    defaults,
    commandOptions: { timeout: 0 },
    // A lost master's slots move to its promoted replica: refresh soon after the loss.
    topologyRefreshOnReconnectionAttemptStrategy: NODE_REDIS_CLUSTER_TOPOLOGY_REFRESH_MS,
  };
}

/** A cluster node's or Sentinel client's reconnect delay: core's backoff, capped lower (see the constant). */
export function topologyNodeReconnectDelay(retries: number, cause: unknown): number {
  const delay = reconnectDelayAfter(retries + 1, cause);
  return isAuthError(cause) ? delay : Math.min(delay, NODE_REDIS_CLUSTER_NODE_RECONNECT_CAP_MS);
}
