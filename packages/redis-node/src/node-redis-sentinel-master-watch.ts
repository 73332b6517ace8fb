/**
 * The watch a Sentinel client runs while its master is unreachable: it asks the sentinels, on a
 * short interval, which master they name, and reports a promoted one as soon as a sentinel
 * names it as usable. The tricky point is why this exists: node-redis's own rediscovery (the
 * `#connect` loop of `RedisSentinelInternal`, `@redis/client` 6.3.1
 * `dist/lib/sentinel/index.js` lines 784-818) sleeps a fixed 1000 ms (line 812) after each
 * attempt that found no usable master, and every attempt during a failover is such an attempt
 * until the sentinels switch: the promoted master was found up to 1 s late, and no option
 * shortens that sleep. The watch is
 * only an accelerator: node-redis's loop keeps running beside it, so without an answer from
 * the sentinels nothing is slower than before.
 *
 * "Usable" is what node-redis's `analyze` accepts (`parseNode`, `sentinel/utils.js` lines 8-13): no
 * `s_down`, `disconnected` or `failover_in_progress` flag; a sentinel that just switched may
 * list the promoted master as `disconnected` for a moment, and a client rebuilt then would
 * fall into the 1 s sleep again. The sentinels are asked in the order of the seed list (first
 * that answers), as a rebuilt client asks them. Bounded: one connection to one sentinel at a
 * time, one command per poll, each within a deadline; polls every
 * {@link NODE_REDIS_SENTINEL_MASTER_POLL_MS} for the first
 * {@link NODE_REDIS_SENTINEL_FAST_POLLS} polls, then twice as far apart each time up to
 * `MAX_RECONNECT_DELAY_MS`; the watch ends (and its connection closes) once the master has
 * reported no error for {@link NODE_REDIS_SENTINEL_WATCH_QUIET_MS}.
 */
import { MAX_RECONNECT_DELAY_MS } from "@apikey/core/redis";
import { RedisClient, type RedisClientOptions } from "redis";

/** How often the sentinels are asked for the master while it is unreachable, at first. */
export const NODE_REDIS_SENTINEL_MASTER_POLL_MS = 100;
/**
 * Polls at {@link NODE_REDIS_SENTINEL_MASTER_POLL_MS} before the interval doubles: 10 s,
 * which covers `down-after-milliseconds` plus the election of most setups tuned for fast
 * failovers; after that a failover is rarely seconds away and the sentinels are asked less.
 */
export const NODE_REDIS_SENTINEL_FAST_POLLS = 100;
/**
 * The master connection retries at most 500 ms apart while the master is unreachable (each
 * attempt reports an error): no error for this long means it is connected again.
 */
export const NODE_REDIS_SENTINEL_WATCH_QUIET_MS = 1_500;

/** The flags with which node-redis's `parseNode` refuses a master. */
const UNUSABLE_FLAGS: ReadonlySet<string> = new Set([
  "s_down",
  "disconnected",
  "failover_in_progress",
]);

/** A master address. */
export interface SentinelMasterAddress {
  readonly host: string;
  readonly port: number;
}

/** What {@link SentinelMasterWatch} needs. */
export interface SentinelMasterWatchOptions {
  readonly masterName: string;
  readonly sentinels: readonly SentinelMasterAddress[];
  /** Options of each connection to a sentinel (socket, auth), without host and port. */
  readonly sentinelClientOptions: RedisClientOptions;
  /** Deadline of each command to a sentinel, connecting included. */
  readonly commandTimeoutMs: number;
  /** The master the client uses now, if it knows one. */
  currentMaster(): SentinelMasterAddress | undefined;
  /** A sentinel names `master`, usable and not {@link currentMaster}. The watch ends. */
  onPromoted(master: SentinelMasterAddress): void;
}

/** The part of a node-redis client the watch uses. */
interface SentinelConnection {
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  destroy(): void;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's listener type
  on(event: string, listener: (...args: any[]) => void): unknown;
}

let clientFactory: ((options: RedisClientOptions) => SentinelConnection) | undefined;

/** A raw client (no module commands: `RedisClient.factory` caches its class, once). */
function createSentinelConnection(options: RedisClientOptions): SentinelConnection {
  clientFactory ??= RedisClient.factory() as unknown as (
    options: RedisClientOptions,
  ) => SentinelConnection;
  return clientFactory(options);
}

/** The fields of a `SENTINEL MASTER` reply: a flat array (RESP2) or a map (RESP3). */
function replyFields(reply: unknown): Map<string, string> | undefined {
  const fields = new Map<string, string>();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2)
      fields.set(String(reply[i]), String(reply[i + 1]));
  } else if (reply instanceof Map) {
    for (const [key, value] of reply) fields.set(String(key), String(value));
  } else if (typeof reply === "object" && reply !== null) {
    for (const [key, value] of Object.entries(reply)) fields.set(key, String(value));
  } else {
    return undefined;
  }
  return fields;
}

/** The master a `SENTINEL MASTER` reply names, if node-redis would use it. */
export function usableMasterOf(reply: unknown): SentinelMasterAddress | undefined {
  const fields = replyFields(reply);
  if (fields === undefined) return undefined;
  const flags = (fields.get("flags") ?? "").split(",");
  if (flags.some((flag) => UNUSABLE_FLAGS.has(flag))) return undefined;
  const host = fields.get("ip");
  const port = Number(fields.get("port"));
  if (host === undefined || host === "" || !Number.isInteger(port) || port <= 0) return undefined;
  return { host, port };
}

/** The interval before poll `poll` (1-based). */
export function sentinelMasterPollDelay(poll: number): number {
  const slow = poll - NODE_REDIS_SENTINEL_FAST_POLLS;
  if (slow <= 0) return NODE_REDIS_SENTINEL_MASTER_POLL_MS;
  return Math.min(
    NODE_REDIS_SENTINEL_MASTER_POLL_MS * 2 ** Math.min(slow, 10),
    MAX_RECONNECT_DELAY_MS,
  );
}

/** See the file comment. */
export class SentinelMasterWatch {
  readonly #options: SentinelMasterWatchOptions;
  #running = false;
  #closed = false;
  #lastMasterErrorAt = Number.NEGATIVE_INFINITY;
  #connection: SentinelConnection | undefined;
  /** Index in the seed list of the sentinel asked next. */
  #sentinelIndex = 0;
  #timer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;

  constructor(options: SentinelMasterWatchOptions) {
    this.#options = options;
  }

  /** Whether the watch is polling (diagnostics and tests). */
  get running(): boolean {
    return this.#running;
  }

  /** The master connection reported an error: start polling unless already. */
  masterErrored(): void {
    if (this.#closed) return;
    this.#lastMasterErrorAt = performance.now();
    if (this.#running) return;
    this.#running = true;
    this.#run().then(
      () => this.#stop(),
      () => this.#stop(),
    );
  }

  /** The client has a master again (a rebuild, or its own rediscovery): stop polling. */
  masterFound(): void {
    this.#lastMasterErrorAt = Number.NEGATIVE_INFINITY;
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async #run(): Promise<void> {
    for (let poll = 1; ; poll++) {
      await this.#sleep(sentinelMasterPollDelay(poll));
      if (this.#closed) return;
      if (performance.now() - this.#lastMasterErrorAt >= NODE_REDIS_SENTINEL_WATCH_QUIET_MS) return;
      const named = await this.#askOnce();
      if (this.#closed) return;
      if (named === undefined) continue;
      const current = this.#options.currentMaster();
      if (current !== undefined && current.host === named.host && current.port === named.port)
        continue;
      this.#options.onPromoted(named);
      return;
    }
  }

  /** `SENTINEL MASTER` on the sentinel asked last (or the next one), within the deadline. */
  async #askOnce(): Promise<SentinelMasterAddress | undefined> {
    const { sentinels, masterName, commandTimeoutMs } = this.#options;
    const connection = this.#connection ?? this.#open(sentinels[this.#sentinelIndex]);
    if (connection === undefined) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no answer in time")), commandTimeoutMs);
    });
    try {
      if (!connection.isOpen) await Promise.race([connection.connect(), deadline]);
      const reply = await Promise.race([
        connection.sendCommand(["SENTINEL", "MASTER", masterName]),
        deadline,
      ]);
      return usableMasterOf(reply);
    } catch {
      // This sentinel is unreachable (or does not know the name): ask the next one next time.
      this.#dropConnection();
      this.#sentinelIndex = (this.#sentinelIndex + 1) % Math.max(sentinels.length, 1);
      return undefined;
    } finally {
      clearTimeout(timer);
      deadline.catch(() => {});
    }
  }

  #open(sentinel: SentinelMasterAddress | undefined): SentinelConnection | undefined {
    if (sentinel === undefined) return undefined;
    const base = this.#options.sentinelClientOptions;
    const connection = createSentinelConnection({
      ...base,
      socket: {
        ...base.socket,
        host: sentinel.host,
        port: sentinel.port,
        reconnectStrategy: false,
      },
      disableOfflineQueue: true,
    } as RedisClientOptions);
    // Its failures are handled where it is used; a client without a listener would crash.
    connection.on("error", () => {});
    this.#connection = connection;
    return connection;
  }

  #dropConnection(): void {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection === undefined) return;
    try {
      connection.destroy();
    } catch {
      // Never connected, or closed already.
    }
  }

  #stop(): void {
    this.#running = false;
    this.#dropConnection();
    // The first sentinel is asked first again next time, as a rebuilt client asks it.
    this.#sentinelIndex = 0;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        clearTimeout(this.#timer);
        resolve();
      };
      this.#timer = setTimeout(resolve, ms);
    });
  }
}
