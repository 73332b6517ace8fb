/**
 * Where an owned ioredis client connects, from the parsed URL and the driver's options: one
 * server (`redis://`, `rediss://` with the `tls` settings, the database index), or the master
 * of a Sentinel group (`redis+sentinel://`: ioredis asks the sentinels on every reconnect, and
 * a write refused with READONLY, by a master demoted to replica, reconnects). Plus the guard every owned client gets: its connection
 * errors explained (refused database index, failed TLS handshake), and a connection whose
 * SELECT was refused dropped before it turns ready (ioredis would otherwise go on in db 0).
 */

import type { ConnectionOptions } from "node:tls";
import type { RedisTlsOptions } from "@apikey/core";
import {
  explainConnectionError,
  isDatabaseRefusedError,
  type RedisEndpoint,
  type RedisSentinelAuth,
  reconnectDelayMs,
} from "@apikey/core/redis";
import type { RedisOptions } from "ioredis";
import type { IoredisClient } from "./ioredis-client.js";
import { isIoredisCluster } from "./ioredis-client.js";

/** What the connection target depends on. */
export interface IoredisTargetSettings {
  tls?: RedisTlsOptions;
  sentinelAuth?: RedisSentinelAuth;
  commandTimeoutMs: number;
}

/** Node's `tls.connect` options of the driver's `tls` setting. */
export function ioredisTlsOptions(tls: RedisTlsOptions): ConnectionOptions {
  // Node accepts any ArrayBufferView for PEM fields; its types say Buffer.
  return { ...tls } as ConnectionOptions;
}

/**
 * The target part of a single-node client's options (merged over the URL's own, which ioredis
 * parses too); for a Sentinel URL, the whole target, since ioredis cannot parse that form.
 */
export function ioredisTargetOptions(
  endpoint: RedisEndpoint,
  settings: IoredisTargetSettings,
): RedisOptions {
  const target: RedisOptions = {};
  if (endpoint.database !== undefined) target.db = endpoint.database;
  if (settings.tls !== undefined) target.tls = ioredisTlsOptions(settings.tls);
  const sentinel = endpoint.sentinel;
  if (sentinel === undefined) return target;
  if (endpoint.username !== undefined) target.username = endpoint.username;
  if (endpoint.password !== undefined) target.password = endpoint.password;
  const auth = settings.sentinelAuth ?? {};
  return {
    ...target,
    sentinels: sentinel.nodes.map(({ host, port }) => ({ host, port })),
    name: sentinel.name,
    role: "master",
    ...(auth.username === undefined ? {} : { sentinelUsername: auth.username }),
    ...(auth.password === undefined ? {} : { sentinelPassword: auth.password }),
    sentinelCommandTimeout: settings.commandTimeoutMs,
    // Never give up asking the sentinels (a cache outlives an outage), backing off to a cap.
    sentinelRetryStrategy: (times: number) => reconnectDelayMs(times),
    // Off: ioredis 6's detector can call `+switch-master` while a reconnect is asking the
    // sentinels, and that reconnect then ends the client for good (status "end"), seen here in
    // about one failover run in three. A master that is killed drops its sockets anyway; one
    // that is demoted refuses writes with READONLY, which reconnects (below).
    failoverDetector: false,
    reconnectOnError: (error: Error) => error.message.startsWith("READONLY"),
  };
}

/**
 * Explain `client`'s connection errors for `endpoint`, and drop a connection whose SELECT of
 * the URL's database was refused (it reconnects and is refused again, so every call fails
 * with the explained error instead of reading and writing database 0). Attach before any other
 * `error` listener.
 */
export function guardConnectionErrors(client: IoredisClient, endpoint: RedisEndpoint): void {
  const repeated = new WeakSet<object>();
  const onError = (error: unknown): void => {
    if (typeof error === "object" && error !== null && repeated.has(error)) return;
    explainConnectionError(error, endpoint);
    if (
      endpoint.database === undefined ||
      !isDatabaseRefusedError(error) ||
      isIoredisCluster(client) ||
      typeof error !== "object" ||
      error === null
    ) {
      return;
    }
    client.disconnect(true);
    // Dropping the connection fails the rest of its handshake ("Stream isn't writeable"),
    // which would bury the refusal: say it once more after that, so it is the last error.
    repeated.add(error);
    setImmediate(() => client.emit("error", error));
  };
  client.on("error", onError);
  if (isIoredisCluster(client)) client.on("node error", onError);
}
