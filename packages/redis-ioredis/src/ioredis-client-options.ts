/**
 * The safe defaults of the clients `ioredisDriver` creates and owns. ioredis's own defaults
 * queue commands while disconnected and retry them for over a minute, and resend commands that
 * were in flight when a connection dropped, even ones whose caller timed out; here nothing is
 * queued offline (calls wait for "ready" within their deadline instead), nothing is resent, and
 * reconnects back off to a cap.
 */
import { ApiKeyCacheError, type ApiKeyCacheLogger } from "@apikey/core";
import { createConnectionErrorLog } from "@apikey/core/redis";
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { IoredisClient } from "./ioredis-client.js";

/** Longest wait between two reconnect attempts, in milliseconds. */
export const MAX_RECONNECT_DELAY_MS = 2000;

/** Capped exponential backoff with a little jitter, so many workers do not reconnect in step. */
export function reconnectDelayMs(attempt: number): number {
  const exponential = 50 * 2 ** Math.min(Math.max(attempt - 1, 0), 6);
  return Math.min(exponential, MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100);
}

/** Where a client created from a URL connects. */
export interface IoredisEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * Parse a `redis://` or `rediss://` URL.
 * @throws ApiKeyCacheError `E_CONFIG` for anything else (the message never echoes a password).
 */
export function parseRedisUrl(url: unknown, owner: string): IoredisEndpoint {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === "string" ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:")) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: url must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379`,
    );
  }
  const endpoint: IoredisEndpoint = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
    port: parsed.port === "" ? 6379 : Number(parsed.port),
    tls: parsed.protocol === "rediss:",
  };
  if (parsed.username !== "") endpoint.username = decodeURIComponent(parsed.username);
  if (parsed.password !== "") endpoint.password = decodeURIComponent(parsed.password);
  return endpoint;
}

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
      clusterRetryStrategy: reconnectDelayMs,
      slotsRefreshTimeout: options.commandTimeoutMs,
      redisOptions: {
        ...connection,
        ...(endpoint.username === undefined ? {} : { username: endpoint.username }),
        ...(endpoint.password === undefined ? {} : { password: endpoint.password }),
        ...(endpoint.tls ? { tls: {} } : {}),
      },
    };
    client = new Cluster([{ host: endpoint.host, port: endpoint.port }], clusterOptions);
  } else {
    client = new Redis(options.url, {
      ...connection,
      lazyConnect: false,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      retryStrategy: reconnectDelayMs,
    });
  }
  client.on("error", createConnectionErrorLog(options.logger, options.label));
  return client;
}

/**
 * A dedicated single-node subscriber connection: no auto-resubscribe (the bus re-subscribes
 * itself so it knows when the subscription is confirmed), no auto-pipelining, and no socket
 * timeout (the bus pings it and drops it when a ping misses its deadline).
 */
export function createOwnedIoredisSubscriber(
  options: Omit<OwnedIoredisClientOptions, "cluster">,
): Redis {
  parseRedisUrl(options.url, options.label);
  const { socketTimeout: _unused, ...connection } = connectionOptions(options.commandTimeoutMs);
  const client = new Redis(options.url, {
    ...connection,
    lazyConnect: false,
    enableOfflineQueue: false,
    autoResubscribe: false,
    retryStrategy: reconnectDelayMs,
  });
  client.on("error", createConnectionErrorLog(options.logger, options.label));
  return client;
}
