/**
 * A node-redis Sentinel client (`createSentinel`) in the shape of a standalone client, so the
 * backend and the bus drive it like any other: commands go to the current master (never a
 * replica: a lagging one could still serve a revoked key), subscriptions follow the master
 * through node-redis's pub/sub proxy. The tricky point is connecting: `connect()` of a
 * Sentinel client rejects when no sentinel answers, so this one retries with core's backoff
 * until it connects or is closed (a standalone client's reconnect strategy never gives up).
 * After a failover, node-redis finds the promoted master up to 1 s late (its rediscovery sleeps
 * 1 s after each attempt that found none): while the master is unreachable, a watch asks the
 * sentinels itself and, once one names a promoted master, the client is rebuilt at once (see
 * `node-redis-sentinel-master-watch.ts`). A client with subscriptions is never rebuilt.
 */
import {
  MAX_RECONNECT_DELAY_MS,
  type RedisEndpoint,
  type RedisSentinelAuth,
  type RedisSentinelEndpoint,
  reconnectDelayAfter,
} from "@apikey/core/redis";
import { RedisSentinel, type RedisSentinelOptions } from "redis";
import type {
  NodeRedisClient,
  NodeRedisClientOrCluster,
  NodeRedisCommandOptions,
} from "./node-redis-client.js";
import {
  NODE_REDIS_PING_INTERVAL_MS,
  type NodeRedisSafeOptions,
  socketDefaults,
  topologyNodeReconnectDelay,
} from "./node-redis-client-options.js";
import { boundNodeRedisConnectionSetup } from "./node-redis-handshake-deadline.js";
import {
  type SentinelMasterAddress,
  SentinelMasterWatch,
} from "./node-redis-sentinel-master-watch.js";

/** How often the client re-reads the topology from the sentinels, besides `+switch-master`. */
export const NODE_REDIS_SENTINEL_SCAN_INTERVAL_MS = 2000;

/**
 * Longest a master connection's error keeps the watch from rebuilding the Sentinel client: an
 * error means node-redis saw the socket close and is reconnecting or asking the sentinels
 * (a killed master, a failover), so the socket is not silent and a rebuild only adds clients.
 * While the master stays unreachable, each reconnect attempt errors again, at most
 * `MAX_RECONNECT_DELAY_MS` apart; twice that covers one missed attempt.
 */
export const NODE_REDIS_SENTINEL_MASTER_ERROR_QUIET_MS: number = 2 * MAX_RECONNECT_DELAY_MS;

/**
 * Least time between two rebuilds onto a promoted master in one process. Each rebuild builds
 * node-redis clients (about 50 ms of CPU each, see below); every Sentinel client of a process
 * learns of the same promotion at once, and rebuilding them all in one turn stalled the event
 * loop for 400-650 ms with 4 Sentinel clients in the reliability suite. Spaced, a process's
 * other work runs between them; the n-th client of a process rebuilds (n - 1) x this later.
 */
export const NODE_REDIS_SENTINEL_REBUILD_SPACING_MS = 60;
/** When the next rebuild onto a promoted master may start, process-wide (`performance.now()`). */
let nextPromotedRebuildAt = 0;

/**
 * The Sentinel class, built once per process. `createSentinel` of `redis` builds a new class
 * on every call (node-redis 6.3 caches none for Sentinel: `attachConfig` over every command
 * plus the bloom, JSON, search and time-series modules, about 50 ms of CPU each), and a rebuild
 * by the watch is such a call. This package sends raw commands only, so no module is attached.
 */
let sentinelFactory: ((options: RedisSentinelOptions) => SentinelLike) | undefined;

function constructSentinel(options: RedisSentinelOptions): SentinelLike {
  sentinelFactory ??= RedisSentinel.factory() as unknown as (
    options: RedisSentinelOptions,
  ) => SentinelLike;
  return sentinelFactory(options);
}

/** The part of node-redis's `RedisSentinel` this package uses. */
interface SentinelLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(
    isReadonly: boolean | undefined,
    args: string[],
    options?: NodeRedisCommandOptions,
  ): Promise<unknown>;
  subscribe(
    channel: string,
    listener: (message: string, channel: string) => void,
  ): Promise<unknown>;
  unsubscribe(
    channel: string,
    listener?: (message: string, channel: string) => void,
  ): Promise<unknown>;
  close(): Promise<void>;
  destroy(): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's listener type
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's listener type
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/**
 * node-redis's internal `_execute` of `RedisSentinel`, which runs `fn` on the master client
 * (the one `sendCommand` uses), once the Sentinel client is connected.
 */
interface SentinelExecuteHook {
  _execute(isReadonly: boolean, fn: (client: unknown) => unknown): Promise<unknown>;
}

/** What {@link nodeRedisSentinelOptions} takes besides the safe options. */
export interface NodeRedisSentinelTarget {
  endpoint: RedisEndpoint & { sentinel: RedisSentinelEndpoint };
  sentinelAuth?: RedisSentinelAuth;
}

/** `createSentinel` options with the safe defaults on every master and sentinel connection. */
export function nodeRedisSentinelOptions(
  target: NodeRedisSentinelTarget,
  options: NodeRedisSafeOptions,
): RedisSentinelOptions {
  const { endpoint, sentinelAuth = {} } = target;
  // Capped as a cluster node's: after a failover the clients retry, and so ask the sentinels
  // for the promoted master, within half a second instead of core's 2 s backoff cap.
  const socket = {
    ...socketDefaults(options.commandTimeoutMs),
    reconnectStrategy: topologyNodeReconnectDelay,
  };
  const nodeClientOptions: NonNullable<RedisSentinelOptions["nodeClientOptions"]> = {
    socket,
    disableOfflineQueue: true,
  };
  if (options.pingIdleConnection !== false)
    nodeClientOptions.pingInterval = NODE_REDIS_PING_INTERVAL_MS;
  if (endpoint.username !== undefined) nodeClientOptions.username = endpoint.username;
  if (endpoint.password !== undefined) nodeClientOptions.password = endpoint.password;
  if (endpoint.database !== undefined) nodeClientOptions.database = endpoint.database;
  const sentinelClientOptions: NonNullable<RedisSentinelOptions["sentinelClientOptions"]> = {
    socket: { connectTimeout: socket.connectTimeout, reconnectStrategy: socket.reconnectStrategy },
  };
  if (sentinelAuth.username !== undefined) sentinelClientOptions.username = sentinelAuth.username;
  if (sentinelAuth.password !== undefined) sentinelClientOptions.password = sentinelAuth.password;
  return {
    name: endpoint.sentinel.name,
    sentinelRootNodes: endpoint.sentinel.nodes.map(({ host, port }) => ({ host, port })),
    nodeClientOptions,
    sentinelClientOptions,
    masterPoolSize: 1,
    scanInterval: NODE_REDIS_SENTINEL_SCAN_INTERVAL_MS,
    // The master's connection errors (a refused SELECT, a refused password) reach the
    // sentinel client's own `error` listener, so they are logged and explained.
    passthroughClientErrorEvents: true,
    commandOptions: { timeout: 0 },
  };
}

/** A standalone-shaped client on a new, not yet connected, node-redis Sentinel client. */
export function createNodeRedisSentinelClient(
  target: NodeRedisSentinelTarget,
  options: NodeRedisSafeOptions,
): NodeRedisClient {
  const sentinelOptions = nodeRedisSentinelOptions(target, options);
  return new NodeRedisSentinelClient(
    () => constructSentinel(sentinelOptions),
    (watch) => {
      const { name, sentinelRootNodes, sentinelClientOptions = {} } = sentinelOptions;
      return new SentinelMasterWatch({
        masterName: name,
        sentinels: sentinelRootNodes,
        sentinelClientOptions,
        commandTimeoutMs: options.commandTimeoutMs,
        ...watch,
      });
    },
  );
}

/** What the client gives the watch of its master (see `node-redis-sentinel-master-watch.ts`). */
type MasterWatchCallbacks = Pick<
  ConstructorParameters<typeof SentinelMasterWatch>[0],
  "currentMaster" | "onPromoted"
>;

/** True for the Sentinel client above: it follows the master itself. */
export function isNodeRedisSentinelClient(client: unknown): boolean {
  return client instanceof NodeRedisSentinelClient;
}

/**
 * For the unresponsive-socket watch: if `client` is a Sentinel client, replace its master
 * connection and return true. node-redis's Sentinel client has no public way to drop the
 * socket of its master client, so the whole Sentinel client is rebuilt from the same options:
 * the new one asks the sentinels for the master and connects; the old one is destroyed,
 * failing what was in flight on the silent socket. Not done for a client with subscriptions
 * (the bus's subscriber, which watches its link itself), nor while the master connection has
 * reported an error within {@link NODE_REDIS_SENTINEL_MASTER_ERROR_QUIET_MS}: its socket closed
 * and node-redis is already reconnecting or asking the sentinels (a failover in progress).
 */
export function replaceSentinelMasterConnection(client: unknown): boolean {
  if (!(client instanceof NodeRedisSentinelClient)) return false;
  client.replaceMasterConnection();
  return true;
}

/**
 * Bound the connection setup of `client`'s master connections by `deadlineMs`, as
 * `boundNodeRedisConnectionSetup` does for a standalone client; returns false if `client` is
 * not a Sentinel client. node-redis's `RedisSentinel` keeps its node clients in private fields
 * and announces none, so a master client is reached through the Sentinel client's internal
 * `_execute` (which hands the master client to a function) each time the Sentinel client is
 * ready: from then on, every reconnect of that master client (node-redis's own, after its
 * socket dropped) has the deadline on its setup. Not reached, so left with node-redis's own
 * idle timeout: a new master client's first setup (on connect, after a failover, after a
 * rebuild by the watch), the pub/sub proxy's client and the client to the sentinel. A node-redis
 * without `_execute` is left alone.
 */
export function boundNodeRedisSentinelConnectionSetup(
  client: unknown,
  deadlineMs: number,
): boolean {
  if (!(client instanceof NodeRedisSentinelClient)) return false;
  client.boundConnectionSetup(deadlineMs);
  return true;
}

class NodeRedisSentinelClient implements NodeRedisClient {
  readonly #create: () => SentinelLike;
  #sentinel: SentinelLike;
  readonly #masterWatch: SentinelMasterWatch;
  /** The master node-redis last switched to (its `topology-change` MASTER_CHANGE), if any. */
  #master: SentinelMasterAddress | undefined;
  /** Every listener added through {@link on}, moved over to a rebuilt Sentinel client. */
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's listener type
  readonly #listeners: Array<[string, (...args: any[]) => void]> = [];
  #subscribed = false;
  #closed = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #wakeRetry: (() => void) | undefined;
  /** When the master connection last reported an error (`performance.now()`), or -Infinity. */
  #masterErrorAt = Number.NEGATIVE_INFINITY;
  readonly #onError = (error: unknown): void => {
    // With passthroughClientErrorEvents, node-redis names the master's errors this way.
    if (!(error instanceof Error && error.message.startsWith("Master Client ("))) return;
    this.#masterErrorAt = performance.now();
    // A subscribed client is never rebuilt (its subscriptions live in node-redis's proxy).
    if (!this.#subscribed) this.#masterWatch.masterErrored();
  };
  readonly #onTopologyChange = (event: { type?: unknown; node?: unknown }): void => {
    if (event.type !== "MASTER_CHANGE") return;
    const node = event.node as Partial<SentinelMasterAddress> | undefined;
    if (typeof node?.host === "string" && typeof node.port === "number")
      this.#master = { host: node.host, port: node.port };
  };
  readonly #onReady = (): void => {
    this.#masterWatch.masterFound();
    this.#boundMasterClient();
  };
  /** The connection setup deadline of the master clients, once {@link boundConnectionSetup}. */
  #setupDeadlineMs: number | undefined;

  constructor(
    create: () => SentinelLike,
    createMasterWatch: (callbacks: MasterWatchCallbacks) => SentinelMasterWatch,
  ) {
    this.#create = create;
    this.#masterWatch = createMasterWatch({
      currentMaster: () => this.#master,
      onPromoted: (master) => {
        // Expected there from now on: a later poll naming it again rebuilds nothing.
        this.#master = master;
        const now = performance.now();
        const startAt = Math.max(now, nextPromotedRebuildAt);
        nextPromotedRebuildAt = startAt + NODE_REDIS_SENTINEL_REBUILD_SPACING_MS;
        if (startAt <= now) this.#rebuild();
        else setTimeout(() => this.#rebuild(), startAt - now).unref();
      },
    });
    this.#sentinel = this.#createWatched();
  }

  #createWatched(): SentinelLike {
    const sentinel = this.#create();
    sentinel.on("error", this.#onError);
    sentinel.on("topology-change", this.#onTopologyChange);
    sentinel.on("ready", this.#onReady);
    return sentinel;
  }

  /** See {@link boundNodeRedisSentinelConnectionSetup}. */
  boundConnectionSetup(deadlineMs: number): void {
    this.#setupDeadlineMs = deadlineMs;
    this.#boundMasterClient();
  }

  /** Bound the current master client's setup, if the Sentinel client is ready (see above). */
  #boundMasterClient(): void {
    const deadlineMs = this.#setupDeadlineMs;
    const sentinel = this.#sentinel as SentinelLike & Partial<SentinelExecuteHook>;
    // Only when ready: node-redis's _execute of a master client not ready asks the sentinels.
    if (deadlineMs === undefined || !sentinel.isReady || typeof sentinel._execute !== "function")
      return;
    try {
      // Runs `fn` at once (ready); a master client already bounded is skipped.
      sentinel
        ._execute(false, (master) => {
          boundNodeRedisConnectionSetup(master as NodeRedisClientOrCluster, deadlineMs);
        })
        .catch(() => {
          // The master client went away meanwhile: the next ready bounds the new one.
        });
    } catch {
      // An internal hook changed shape: the master keeps node-redis's own idle timeout.
    }
  }

  /** See {@link replaceSentinelMasterConnection}. */
  replaceMasterConnection(): void {
    if (this.#closed || this.#subscribed || !this.#sentinel.isReady) return;
    if (performance.now() - this.#masterErrorAt < NODE_REDIS_SENTINEL_MASTER_ERROR_QUIET_MS) return;
    this.#rebuild();
  }

  /**
   * Replace the node-redis Sentinel client by a new one from the same options, which asks the
   * sentinels for the master at once; the old one is destroyed, failing what was in flight.
   */
  #rebuild(): void {
    if (this.#closed || this.#subscribed) return;
    const old = this.#sentinel;
    for (const [event, listener] of this.#listeners) old.off(event, listener);
    // Late errors of the old client (its sockets torn down) must not go unhandled.
    old.on("error", () => {});
    old.off("error", this.#onError);
    old.off("topology-change", this.#onTopologyChange);
    old.off("ready", this.#onReady);
    const next = this.#createWatched();
    for (const [event, listener] of this.#listeners) next.on(event, listener);
    this.#sentinel = next;
    old.destroy().catch(() => {});
    this.connect().catch(() => {
      // Rejects only once closed.
    });
  }

  get isOpen(): boolean {
    return this.#sentinel.isOpen;
  }

  get isReady(): boolean {
    return this.#sentinel.isReady;
  }

  /** Connect, retrying while no sentinel answers; rejects only once closed. */
  async connect(): Promise<unknown> {
    for (let attempt = 1; ; attempt += 1) {
      if (this.#closed) throw new Error("the Sentinel client was closed before it connected");
      const sentinel = this.#sentinel;
      // Open already: connected by an earlier call, or rebuilt and connecting.
      if (sentinel.isOpen) return undefined;
      try {
        return await sentinel.connect();
      } catch (error) {
        if (this.#closed) throw error;
        await this.#sleep(reconnectDelayAfter(attempt, error));
      }
    }
  }

  sendCommand(args: string[], options?: NodeRedisCommandOptions): Promise<unknown> {
    return this.#sentinel.sendCommand(false, args, options);
  }

  subscribe(
    channel: string,
    listener: (message: string, channel: string) => void,
  ): Promise<unknown> {
    this.#subscribed = true;
    this.#masterWatch.close();
    return this.#sentinel.subscribe(channel, listener);
  }

  unsubscribe(
    channel: string,
    listener?: (message: string, channel: string) => void,
  ): Promise<unknown> {
    return this.#sentinel.unsubscribe(channel, listener);
  }

  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's listener type
  on(event: string, listener: (...args: any[]) => void): unknown {
    this.#listeners.push([event, listener]);
    return this.#sentinel.on(event, listener);
  }

  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's listener type
  off(event: string, listener: (...args: any[]) => void): unknown {
    const index = this.#listeners.findIndex(([e, l]) => e === event && l === listener);
    if (index !== -1) this.#listeners.splice(index, 1);
    return this.#sentinel.off(event, listener);
  }

  close(): Promise<void> {
    this.#stopRetrying();
    return this.#sentinel.close();
  }

  destroy(): void {
    this.#stopRetrying();
    this.#sentinel.destroy().catch(() => {});
  }

  #stopRetrying(): void {
    this.#closed = true;
    this.#masterWatch.close();
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#wakeRetry?.();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wakeRetry = resolve;
      this.#retryTimer = setTimeout(resolve, ms);
    });
  }
}
