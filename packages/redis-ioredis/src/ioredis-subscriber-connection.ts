/**
 * core's subscriber connection over ioredis: a dedicated single-node `Redis` (any node of a
 * cluster: classic pub/sub reaches them all); its "close" event means lost, "ready" means
 * usable again. The tricky point is a cluster failover: ioredis reconnects a `Redis` to the
 * address it was built with, which may be the master that died. Given the cluster's current
 * node list, the connection moves its address to another live node each time it is lost
 * (ioredis reads `options.host`/`port` again when it reconnects), so it follows the cluster.
 */
import {
  type BusNodeCandidate,
  nextSubscriberNode,
  type RedisSubscriberConnection,
  type RedisSubscriberEvents,
} from "@apikey/core/redis";
import type { Cluster, Redis } from "ioredis";
import { closeClientWithin } from "./close-client.js";

const ignore = (): void => {};

/** The nodes `cluster` knows now, as candidates for the subscriber connection. */
export function ioredisClusterNodes(cluster: Cluster): () => readonly BusNodeCandidate[] {
  return () =>
    cluster.nodes("all").map((node) => ({
      host: node.options.host ?? "127.0.0.1",
      port: node.options.port ?? 6379,
      ready: node.status === "ready",
    }));
}

/** A dedicated ioredis subscriber connection, as core's bus engine drives it. */
export class IoredisSubscriberConnection implements RedisSubscriberConnection {
  readonly #client: Redis;
  readonly #nodes: (() => readonly BusNodeCandidate[]) | undefined;
  #stopListening: () => void = ignore;

  /**
   * @param nodes the cluster's current nodes, for a connection the bus owns on a cluster: on
   * every loss it reconnects to another live one of them
   */
  constructor(client: Redis, nodes?: () => readonly BusNodeCandidate[]) {
    this.#client = client;
    this.#nodes = nodes;
  }

  get isReady(): boolean {
    return this.#client.status === "ready";
  }

  listen(events: RedisSubscriberEvents): void {
    const client = this.#client;
    const handlers = {
      message: (channel: string, payload: string): void => events.message(channel, payload),
      ready: (): void => events.ready(),
      close: (): void => {
        this.#moveToAnotherNode();
        events.lost();
      },
    };
    for (const [event, handler] of Object.entries(handlers)) client.on(event, handler);
    this.#stopListening = () => {
      for (const [event, handler] of Object.entries(handlers)) client.off(event, handler);
    };
  }

  /** Only a lazy client that never connected ("wait"); ioredis reconnects the others itself. */
  connect(): void {
    if (this.#client.status === "wait") this.#client.connect().catch(ignore);
  }

  async subscribe(channel: string): Promise<void> {
    await this.#client.subscribe(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    await this.#client.unsubscribe(channel);
  }

  async ping(): Promise<void> {
    await this.#client.ping();
  }

  /** Drop the socket; ioredis reconnects with its retry strategy. */
  reconnect(): void {
    this.#client.disconnect(true);
  }

  async close(owned: boolean, timeoutMs: number): Promise<void> {
    this.#stopListening();
    if (owned) await closeClientWithin(this.#client, timeoutMs);
  }

  /** Point the coming reconnect at another live node of the cluster (none: stay). */
  #moveToAnotherNode(): void {
    if (this.#nodes === undefined || this.#client.status === "end") return;
    const options = this.#client.options;
    let candidates: readonly BusNodeCandidate[];
    try {
      candidates = this.#nodes();
    } catch {
      return;
    }
    const current =
      options.host === undefined || options.port === undefined
        ? undefined
        : { host: options.host, port: options.port };
    const next = nextSubscriberNode(candidates, current);
    if (next === undefined) return;
    options.host = next.host;
    options.port = next.port;
  }
}
