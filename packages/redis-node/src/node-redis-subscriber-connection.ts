/**
 * core's subscriber connection over node-redis. node-redis resubscribes by itself before it
 * reports a reconnected client ready, and acknowledges a SUBSCRIBE of a channel it already
 * holds without a round trip; core's engine follows every SUBSCRIBE with a PING, so neither
 * fools it. Any "error", "reconnecting" or "end" means lost (and the "error" listener keeps a
 * dropped connection from crashing the process). The tricky point is a cluster failover: a
 * node-redis client always reconnects to the address it was built with, which may be the
 * master that died; so a connection the bus owns on a cluster is replaced, when lost, by a
 * new client to another live node of the cluster's current node list (at most once a second).
 */
import type { ApiKeyCacheLogger } from "@apikey/core";
import {
  type BusNodeCandidate,
  nextSubscriberNode,
  type RedisSubscriberConnection,
  type RedisSubscriberEvents,
} from "@apikey/core/redis";
import type { NodeRedisClient, NodeRedisCluster } from "./node-redis-client.js";
import { closeClient } from "./node-redis-close-client.js";

/** node-redis's own per-command timeout off: core's engine bounds the ping. */
const PING_OPTIONS = Object.freeze({ timeout: 0 });
const LOST_EVENTS = ["error", "reconnecting", "end"] as const;
/** Shortest time between two moves to another node (a whole-cluster outage must not spin). */
export const SUBSCRIBER_MOVE_INTERVAL_MS = 1000;

/** How a connection the bus owns reports a connection that gave up. */
export interface Ownership {
  readonly owned: boolean;
  readonly logger: ApiKeyCacheLogger;
  readonly owner: string;
}

/** How an owned subscriber on a cluster moves to another node. */
export interface SubscriberRelocation {
  /** The address the first client was built for. */
  readonly initial: { readonly host: string; readonly port: number };
  /** The cluster's nodes as the cluster client knows them now. */
  nodes(): readonly BusNodeCandidate[];
  /** A new, not yet connected, client to `host:port` with the subscriber's options. */
  create(host: string, port: number): NodeRedisClient;
}

/** The nodes `cluster` knows now (masters and replicas), as candidates for the subscriber. */
export function nodeRedisClusterNodes(
  cluster: NodeRedisCluster,
): () => readonly BusNodeCandidate[] {
  return () => {
    const shape = cluster as unknown as { masters?: unknown; replicas?: unknown };
    const nodes = [shape.masters, shape.replicas].flatMap((list) =>
      Array.isArray(list) ? (list as unknown[]) : [],
    );
    const candidates: BusNodeCandidate[] = [];
    for (const node of nodes) {
      const { host, port, client } = node as {
        host?: unknown;
        port?: unknown;
        client?: { isReady?: unknown };
      };
      if (typeof host !== "string" || typeof port !== "number") continue;
      candidates.push({ host, port, ready: client?.isReady === true });
    }
    return candidates;
  };
}

/** A dedicated node-redis subscriber client, as core's bus engine drives it. */
export class NodeRedisSubscriberConnection implements RedisSubscriberConnection {
  #client: NodeRedisClient;
  readonly #ownership: Ownership;
  readonly #relocation: SubscriberRelocation | undefined;
  #address: { readonly host: string; readonly port: number } | undefined;
  #movedAt = Number.NEGATIVE_INFINITY;
  #events: RedisSubscriberEvents | undefined;
  readonly #onMessage = (payload: string, channel: string): void =>
    this.#events?.message(channel, payload);
  readonly #onReady = (): void => this.#events?.ready();
  readonly #onLost = (): void => {
    this.#events?.lost();
    this.#moveToAnotherNode();
  };

  /**
   * @param relocation for a client the bus owns on a cluster: how to move to another node
   */
  constructor(client: NodeRedisClient, ownership: Ownership, relocation?: SubscriberRelocation) {
    this.#client = client;
    this.#ownership = ownership;
    this.#relocation = ownership.owned ? relocation : undefined;
    this.#address = relocation?.initial;
  }

  /** The client in use now (after a move to another node: the new one). */
  get client(): NodeRedisClient {
    return this.#client;
  }

  get isReady(): boolean {
    return this.#client.isReady;
  }

  listen(events: RedisSubscriberEvents): void {
    this.#events = events;
    this.#attach(this.#client);
  }

  /** An owned client only: node-redis cannot tell a client never opened from one closed. */
  connect(): void {
    const { owned, logger, owner } = this.#ownership;
    const client = this.#client;
    if (!owned || client.isOpen) return;
    client.connect().catch((error: unknown) => {
      if (this.#events !== undefined && client === this.#client)
        logger.error(`${owner}: subscriber connection gave up`, error);
    });
  }

  async subscribe(channel: string): Promise<void> {
    await this.#client.subscribe(channel, this.#onMessage);
  }

  async unsubscribe(channel: string): Promise<void> {
    await this.#client.unsubscribe(channel, this.#onMessage);
  }

  async ping(): Promise<void> {
    await this.#client.sendCommand(["PING"], PING_OPTIONS);
  }

  /**
   * Nothing to do: node-redis cannot drop a socket and keep the client, but the engine sends
   * nothing more until the ping is answered, so the silent socket trips the socket timeout
   * of the clients `nodeRedisDriver` creates, and node-redis replaces the connection.
   */
  reconnect(): void {}

  async close(owned: boolean, timeoutMs: number): Promise<void> {
    this.#events = undefined;
    this.#detach(this.#client);
    if (owned) await closeClient(this.#client, timeoutMs);
  }

  #attach(client: NodeRedisClient): void {
    client.on("ready", this.#onReady);
    for (const event of LOST_EVENTS) client.on(event, this.#onLost);
  }

  #detach(client: NodeRedisClient): void {
    client.off("ready", this.#onReady);
    for (const event of LOST_EVENTS) client.off(event, this.#onLost);
  }

  /** Replace the client by one to another live node of the cluster (none: stay). */
  #moveToAnotherNode(): void {
    const relocation = this.#relocation;
    if (relocation === undefined || this.#events === undefined) return;
    const now = performance.now();
    if (now - this.#movedAt < SUBSCRIBER_MOVE_INTERVAL_MS) return;
    let next: BusNodeCandidate | undefined;
    let replacement: NodeRedisClient;
    try {
      next = nextSubscriberNode(relocation.nodes(), this.#address);
      if (next === undefined) return;
      replacement = relocation.create(next.host, next.port);
    } catch (error) {
      this.#ownership.logger.debug(`${this.#ownership.owner}: moving the subscriber failed`, error);
      return;
    }
    this.#movedAt = now;
    const old = this.#client;
    this.#detach(old);
    this.#client = replacement;
    this.#address = { host: next.host, port: next.port };
    this.#attach(replacement);
    this.#ownership.logger.debug(
      `${this.#ownership.owner}: subscriber moves to ${next.host}:${next.port}`,
    );
    // The old client may still be retrying a dead node: drop it at once.
    void closeClient(old, 0);
    this.connect();
  }
}
