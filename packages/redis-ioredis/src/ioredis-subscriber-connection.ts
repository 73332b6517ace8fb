/**
 * core's bus connections over ioredis. The subscriber is a single-node `Redis` (any node of a
 * cluster: classic pub/sub reaches them all); its "close" event means lost, "ready" means
 * usable again. Publishing goes through the package's command runner, which waits for "ready"
 * within the deadline and never sends late (owned clients have no offline queue).
 */
import type {
  RedisPublishConnection,
  RedisSubscriberConnection,
  RedisSubscriberEvents,
} from "@apikey/core/redis";
import type { Redis } from "ioredis";
import { closeClientWithin } from "./close-client.js";
import { type IoredisClient, isIoredisCluster } from "./ioredis-client.js";
import { IoredisCommandRunner } from "./ioredis-command-runner.js";

const ignore = (): void => {};

/** A dedicated ioredis subscriber connection, as core's bus engine drives it. */
export class IoredisSubscriberConnection implements RedisSubscriberConnection {
  readonly #client: Redis;
  #stopListening: () => void = ignore;

  constructor(client: Redis) {
    this.#client = client;
  }

  get isReady(): boolean {
    return this.#client.status === "ready";
  }

  listen(events: RedisSubscriberEvents): void {
    const client = this.#client;
    const handlers = {
      message: (channel: string, payload: string): void => events.message(channel, payload),
      ready: (): void => events.ready(),
      close: (): void => events.lost(),
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
}

/** The ioredis connection (a `Redis` or a `Cluster`) a bus publishes on. */
export class IoredisPublishConnection implements RedisPublishConnection {
  readonly #client: IoredisClient;
  readonly #runner: IoredisCommandRunner;

  /** @throws ApiKeyCacheError `E_CONFIG` unless `timeoutMs` is a positive number. */
  constructor(client: IoredisClient, timeoutMs: number, owner: string) {
    this.#client = client;
    this.#runner = new IoredisCommandRunner(client, timeoutMs, owner);
  }

  /** The runner connects a lazy client at the first publish; the others connect themselves. */
  connect(): void {}

  publish(channel: string, payload: string): Promise<unknown> {
    return this.#runner.run("PUBLISH", () => this.#client.publish(channel, payload));
  }

  get isReady(): boolean {
    return this.#client.status === "ready";
  }

  ping(): Promise<unknown> {
    return this.#client.ping();
  }

  /** Drop a silent socket of a standalone client; `disconnect(true)` reconnects. */
  replaceUnresponsiveSocket(): void {
    if (isIoredisCluster(this.#client) || this.#client.status !== "ready") return;
    this.#client.disconnect(true);
  }

  async close(owned: boolean, timeoutMs: number): Promise<void> {
    this.#runner.dispose();
    if (owned) await closeClientWithin(this.#client, timeoutMs);
  }
}
