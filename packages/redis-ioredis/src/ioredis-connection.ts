/**
 * An ioredis `Redis` or `Cluster` as core's Redis engine drives it: raw commands through
 * `call` (auto-pipelined when the client has it on; a cluster routes them by their key, to
 * the master), readiness from `status` and the ready/error/close events, and a close that
 * quits an owned client within its deadline. A socket the engine found unresponsive is
 * dropped with `disconnect(true)`, which reconnects (its commands in flight fail; nothing is
 * resent; a Sentinel client asks the sentinels for the master again); on a cluster, only the
 * silent master's socket is dropped (see `ioredis-cluster-node-socket.ts`).
 */
import {
  assertClientArgument,
  type RedisCommandConnection,
  type RedisConnectionListener,
  type RedisMasterNode,
} from "@apikey/core/redis";
import type { Redis } from "ioredis";
import { closeClientWithin } from "./close-client.js";
import { type IoredisClient, isIoredisCluster, looksLikeIoredisClient } from "./ioredis-client.js";
import { replaceClusterNodeSocket } from "./ioredis-cluster-node-socket.js";
import { openClientLike } from "./ioredis-write-client.js";

/** `call` with the command and its arguments in one array (applied, not spread). */
type RawCall = (this: IoredisClient, ...argv: string[]) => Promise<unknown>;

/** The connection of an ioredis backend. */
export class IoredisConnection implements RedisCommandConnection {
  readonly isCluster: boolean;
  readonly #client: IoredisClient;
  readonly #call: RawCall;

  constructor(client: IoredisClient) {
    this.#client = client;
    this.isCluster = isIoredisCluster(client);
    this.#call = client.call as unknown as RawCall;
  }

  get isReady(): boolean {
    return this.#client.status === "ready";
  }

  send(_routingKey: string, argv: string[]): Promise<unknown> {
    // The unbatched read, through the typed command: `call` shifts the name off a copy of its
    // arguments and back on for the auto-pipeline, and ioredis lower-cases the name of every
    // command in several checks (a new string each time for "GET"). Same reply, same routing.
    if (argv.length === 2 && argv[0] === "GET") return this.#client.get(argv[1] as string);
    return this.#call.apply(this.#client, argv);
  }

  /** The master's `host:port` in the Cluster's slot map (`slots[slot][0]`). */
  masterOfSlot(slot: number): string | undefined {
    const client = this.#client;
    return isIoredisCluster(client) ? client.slots[slot]?.[0] : undefined;
  }

  /**
   * One explicit pipeline: written in order on one socket, and on a cluster routed by the key
   * of its write (a keyless `WAIT` sent alone would go to any node). A MOVED write is not
   * retried with the `WAIT` behind it: the caller gets the error and retries.
   */
  async sendInOrder(_routingKey: string, commands: string[][]): Promise<readonly unknown[]> {
    const pipeline = this.#client.pipeline();
    for (const [name, ...args] of commands) pipeline.call(name as string, ...args);
    const results = await pipeline.exec();
    if (results === null) throw new Error("the ioredis pipeline was discarded");
    return results.map(([error, reply]) => {
      if (error) throw error;
      return reply;
    });
  }

  /** A new client like this one (see `ioredis-write-client.ts`), for the revocation writes. */
  openWriteConnection(): RedisCommandConnection {
    return new IoredisConnection(openClientLike(this.#client));
  }

  async masters(): Promise<readonly RedisMasterNode[]> {
    const client = this.#client;
    const call = this.#call;
    if (!isIoredisCluster(client)) return [{ send: (argv: string[]) => call.apply(client, argv) }];
    return client.nodes("master").map((node: Redis) => ({
      send: (argv: string[]) => call.apply(node, argv),
      replaceUnresponsiveSocket: () => replaceClusterNodeSocket(client, node),
    }));
  }

  listen(listener: RedisConnectionListener): () => void {
    const client = this.#client;
    const onReady = (): void => listener.ready();
    const onError = (error: unknown): void => listener.lost(error);
    const onClose = (): void => listener.lost(undefined);
    const onEnd = (): void =>
      listener.lost(new Error("the ioredis client has ended (status end) and will not reconnect"));
    client.on("ready", onReady);
    client.on("error", onError);
    client.on("node error", onError);
    client.on("close", onClose);
    client.on("end", onEnd);
    return () => {
      client.off("ready", onReady);
      client.off("error", onError);
      client.off("node error", onError);
      client.off("close", onClose);
      client.off("end", onEnd);
    };
  }

  requestConnect(): void {
    // A caller's client built with lazyConnect waits for a first command that, without an
    // offline queue, would fail at once: start its connection instead.
    if (this.#client.status === "wait") this.#client.connect().catch(() => {});
  }

  replaceUnresponsiveSocket(): void {
    if (isIoredisCluster(this.#client) || this.#client.status !== "ready") return;
    this.#client.disconnect(true);
  }

  close(owned: boolean, timeoutMs: number): Promise<void> {
    return owned ? closeClientWithin(this.#client, timeoutMs) : Promise.resolve();
  }
}

/** The connection of `client`. @throws ApiKeyCacheError `E_CONFIG` unless it is an ioredis client. */
export function ioredisConnectionOf(client: unknown, owner: string): IoredisConnection {
  assertClientArgument(looksLikeIoredisClient(client), owner, "an ioredis Redis or Cluster");
  return new IoredisConnection(client as IoredisClient);
}
