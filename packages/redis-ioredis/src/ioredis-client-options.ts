/**
 * The safe defaults of the clients `ioredisDriver` creates and owns. ioredis's own defaults
 * queue commands while disconnected and retry them for over a minute, and resend commands that
 * were in flight when a connection dropped, even ones whose caller timed out; here nothing is
 * queued offline (calls wait for "ready" within their deadline instead), nothing is resent, and
 * reconnects back off to a cap.
 */
import type { ApiKeyCacheLogger, RedisTlsOptions } from "@apikey/core";
import {
  createConnectionErrorLog,
  parseRedisUrl,
  type RedisSentinelAuth,
  reconnectDelayAfter,
} from "@apikey/core/redis";
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { IoredisClient } from "./ioredis-client.js";
import {
  guardConnectionErrors,
  ioredisTargetOptions,
  ioredisTlsOptions,
} from "./ioredis-connection-target.js";

/** What each owned connection uses, cluster node connections included. */
function connectionOptions(commandTimeoutMs: number): RedisOptions {
  return {
    commandTimeout: commandTimeoutMs,
    // A hung server (SIGSTOP, half-open link) is dropped and reconnected instead of piling
    // more commands onto a socket nobody reads.
    socketTimeout: commandTimeoutMs + 1000,
    connectTimeout: Math.max(2 * commandTimeoutMs, 2000),
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
  };
}

/** Options of {@link createOwnedIoredisClient}. */
export interface OwnedIoredisClientOptions {
  url: string;
  /** Build a `Cluster` seeded from `url`. */
  cluster: boolean;
  commandTimeoutMs: number;
  logger: ApiKeyCacheLogger;
  /** Prefix of logged connection errors, e.g. `"ioredisDriver backend"`. */
  label: string;
  /** TLS settings of a `rediss://` URL (checked by core's driver options). */
  tls?: RedisTlsOptions;
  /** Credentials of the sentinels of a `redis+sentinel://` URL. */
  sentinelAuth?: RedisSentinelAuth;
}

/** A client with the safe defaults above; it starts connecting at once, without blocking. */
export function createOwnedIoredisClient(options: OwnedIoredisClientOptions): IoredisClient {
  const endpoint = parseRedisUrl(options.url, options.label);
  const connection = connectionOptions(options.commandTimeoutMs);
  let client: IoredisClient;
  if (options.cluster) {
    const clusterOptions: ClusterOptions = {
      lazyConnect: false,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: reconnectDelayAfter,
      slotsRefreshTimeout: options.commandTimeoutMs,
      redisOptions: {
        ...connection,
        ...(endpoint.username === undefined ? {} : { username: endpoint.username }),
        ...(endpoint.password === undefined ? {} : { password: endpoint.password }),
        ...(endpoint.tls ? { tls: ioredisTlsOptions(options.tls ?? {}) } : {}),
      },
    };
    client = new Cluster([{ host: endpoint.host, port: endpoint.port }], clusterOptions);
  } else {
    client = newRedis(options.url, endpoint, {
      ...ioredisTargetOptions(endpoint, options),
      ...connection,
      lazyConnect: false,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      retryStrategy: (times) => reconnectDelayAfter(times, errors.last),
    });
  }
  guardConnectionErrors(client, endpoint);
  const errors = trackLastError(client, options);
  return client;
}

/** A single-node client: from the URL, or for a Sentinel URL from the options alone. */
function newRedis(url: string, endpoint: { sentinel?: unknown }, options: RedisOptions): Redis {
  return endpoint.sentinel === undefined ? new Redis(url, options) : new Redis(options);
}

/**
 * A dedicated single-node subscriber connection: no auto-resubscribe (the bus re-subscribes
 * itself so it knows when the subscription is confirmed), no auto-pipelining, and no socket
 * timeout (the bus pings it and drops it when a ping misses its deadline).
 */
export function createOwnedIoredisSubscriber(
  options: Omit<OwnedIoredisClientOptions, "cluster">,
): Redis {
  const endpoint = parseRedisUrl(options.url, options.label);
  const { socketTimeout: _unused, ...connection } = connectionOptions(options.commandTimeoutMs);
  const client = newRedis(options.url, endpoint, {
    ...ioredisTargetOptions(endpoint, options),
    ...connection,
    lazyConnect: false,
    enableOfflineQueue: false,
    autoResubscribe: false,
    retryStrategy: (times) => reconnectDelayAfter(times, errors.last),
  });
  guardConnectionErrors(client, endpoint);
  const errors = trackLastError(client, options);
  return client;
}

/**
 * The rate-limited error log, and the last error for the retry strategy: after an
 * authentication failure it waits the longest delay (ioredis does not pass it the error).
 */
function trackLastError(
  client: IoredisClient,
  options: Pick<OwnedIoredisClientOptions, "logger" | "label">,
): { last: unknown } {
  const errors: { last: unknown } = { last: undefined };
  const log = createConnectionErrorLog(options.logger, options.label);
  client.on("error", (error: unknown) => {
    errors.last = error;
    log(error);
  });
  client.on("ready", () => {
    errors.last = undefined;
  });
  return errors;
}
