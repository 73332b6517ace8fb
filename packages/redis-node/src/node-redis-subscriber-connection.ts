/**
 * core's bus connections over node-redis. node-redis resubscribes by itself before it reports
 * a reconnected client ready, and acknowledges a SUBSCRIBE of a channel it already holds
 * without a round trip; core's engine follows every SUBSCRIBE with a PING, so neither fools
 * it. Any "error", "reconnecting" or "end" means lost (and the "error" listener keeps a
 * dropped connection from crashing the process).
 */
import type { ApiKeyCacheLogger } from "@apikey/core";
import type {
  RedisPublishConnection,
  RedisSubscriberConnection,
  RedisSubscriberEvents,
} from "@apikey/core/redis";
import {
  isNodeRedisCluster,
  type NodeRedisClient,
  type NodeRedisClientOrCluster,
} from "./node-redis-client.js";
import { closeClient, NodeRedisConnection } from "./node-redis-connection.js";

/** node-redis's own per-command timeout off: core's engine bounds the ping. */
const PING_OPTIONS = Object.freeze({ timeout: 0 });
const LOST_EVENTS = ["error", "reconnecting", "end"] as const;

/** How a connection the bus owns reports a connection that gave up. */
interface Ownership {
  readonly owned: boolean;
  readonly logger: ApiKeyCacheLogger;
  readonly owner: string;
}

/** A dedicated node-redis subscriber client, as core's bus engine drives it. */
export class NodeRedisSubscriberConnection implements RedisSubscriberConnection {
  readonly #client: NodeRedisClient;
  readonly #ownership: Ownership;
  #events: RedisSubscriberEvents | undefined;
  readonly #onMessage = (payload: string, channel: string): void =>
    this.#events?.message(channel, payload);
  readonly #onReady = (): void => this.#events?.ready();
  readonly #onLost = (): void => this.#events?.lost();

  constructor(client: NodeRedisClient, ownership: Ownership) {
    this.#client = client;
    this.#ownership = ownership;
  }

  get isReady(): boolean {
    return this.#client.isReady;
  }

  listen(events: RedisSubscriberEvents): void {
    this.#events = events;
    this.#client.on("ready", this.#onReady);
    for (const event of LOST_EVENTS) this.#client.on(event, this.#onLost);
  }

  /** An owned client only: node-redis cannot tell a client never opened from one closed. */
  connect(): void {
    const { owned, logger, owner } = this.#ownership;
    if (!owned || this.#client.isOpen) return;
    this.#client.connect().catch((error: unknown) => {
      if (this.#events !== undefined)
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
    this.#client.off("ready", this.#onReady);
    for (const event of LOST_EVENTS) this.#client.off(event, this.#onLost);
    if (owned) await closeClient(this.#client, timeoutMs);
  }
}

/** The node-redis client or cluster a bus publishes on. */
export class NodeRedisPublishConnection implements RedisPublishConnection {
  readonly #connection: NodeRedisConnection;
  readonly #ownership: Ownership;
  #closing = false;

  constructor(target: NodeRedisClientOrCluster, ownership: Ownership) {
    this.#connection = new NodeRedisConnection(target, ownership.owner);
    this.#ownership = ownership;
  }

  connect(): void {
    if (this.#ownership.owned) this.#connection.connectInBackground(this.#ownership.logger);
  }

  publish(channel: string, payload: string, timeoutMs: number): Promise<unknown> {
    return this.#connection.send(channel, ["PUBLISH", channel, payload], timeoutMs);
  }

  get isReady(): boolean {
    return this.#connection.isReady;
  }

  ping(): Promise<unknown> {
    // Sent only while ready (the engine checks), so the readiness wait never applies.
    return this.#connection.send(undefined, ["PING"], 1_000);
  }

  /**
   * node-redis's socket timeout never fires while publishes keep writing: destroy the client
   * and connect it again (a standalone client; a cluster is left to its own handling).
   */
  replaceUnresponsiveSocket(): void {
    const target = this.#connection.target;
    if (this.#closing || isNodeRedisCluster(target) || !target.isOpen) return;
    target.destroy();
    target.connect().catch(() => {
      // Reported through the "error" listener; the reconnect strategy keeps trying.
    });
  }

  close(owned: boolean, timeoutMs: number): Promise<void> {
    this.#closing = true;
    return this.#connection.close(owned, timeoutMs);
  }
}
