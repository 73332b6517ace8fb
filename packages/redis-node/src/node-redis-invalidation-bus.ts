/**
 * The invalidation bus over node-redis pub/sub: PUBLISH through a normal client (or cluster),
 * SUBSCRIBE on a dedicated connection (classic pub/sub spans a cluster, so one node is
 * enough). The tricky point is knowing when messages may have been missed: any connection
 * error means `disconnected()`; `ready()` follows only once the subscription is confirmed
 * again (node-redis resubscribes before it reports the connection ready); and a periodic
 * PING with a deadline notices a half-open link that never reports an error.
 */
import { randomUUID } from "node:crypto";
import {
  ApiKeyCacheError,
  type ApiKeyCacheLogger,
  assertInvalidationMessage,
  DEFAULT_COMMAND_TIMEOUT_MS,
  decodeInvalidationMessage,
  defaultLogger,
  encodeInvalidationMessage,
  type InvalidationBus,
  type InvalidationHandlers,
  type InvalidationMessage,
} from "@apikey/core";
import { DeadlineQueue } from "@apikey/core/redis";
import {
  isNodeRedisClientLike,
  isNodeRedisCluster,
  type NodeRedisClient,
  type NodeRedisClientOrCluster,
} from "./node-redis-client.js";
import { NODE_REDIS_PING_INTERVAL_MS } from "./node-redis-client-options.js";
import { closeClient, NodeRedisConnection } from "./node-redis-connection.js";
import { assertLogger, assertTimeout } from "./options-validation.js";
import { ReadinessGate } from "./readiness-gate.js";

const OWNER = "NodeRedisInvalidationBus";
const PING_OPTIONS = Object.freeze({ timeout: 0 });

/** Options of {@link NodeRedisInvalidationBus}. */
export interface NodeRedisInvalidationBusOptions {
  /** Publishes: a client (`createClient()`) or a cluster (`createCluster()`). */
  publisher: NodeRedisClientOrCluster;
  /**
   * A dedicated standalone client for SUBSCRIBE (not shared with anything else). For a
   * cluster, a client to any one node: classic pub/sub messages reach every node.
   */
  subscriber: NodeRedisClient;
  /** The pub/sub channel, usually `invalidationChannel(keyPrefix)`. */
  channel: string;
  /** @default defaultLogger */
  logger?: ApiKeyCacheLogger;
  /** Deadline of `publish` and of each health ping of the subscriber. @default 1000 */
  commandTimeoutMs?: number;
  /** How often the subscriber connection is pinged. @default 1000 */
  pingIntervalMs?: number;
  /**
   * The bus owns both clients: it connects them in the background if they are not open and
   * closes them on `close()`. `nodeRedisDriver` sets this. @default false
   */
  ownsClients?: boolean;
  /** Stamped as `origin` on what this bus publishes. @default a random UUID */
  instanceId?: string;
}

/** An {@link InvalidationBus} over Redis pub/sub through node-redis. */
export class NodeRedisInvalidationBus implements InvalidationBus {
  readonly instanceId: string;
  readonly channel: string;
  readonly commandTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly ownsClients: boolean;
  readonly publisher: NodeRedisClientOrCluster;
  readonly subscriber: NodeRedisClient;
  readonly #logger: ApiKeyCacheLogger;
  readonly #publishing: NodeRedisConnection;
  readonly #deadline: DeadlineQueue;
  readonly #handlers = new Set<InvalidationHandlers>();
  /** Opens whenever the subscription becomes confirmed (live). */
  #liveGate = new ReadinessGate();
  /** node-redis holds our listener: the SUBSCRIBE was confirmed at least once. */
  #subscribed = false;
  #subscribing = false;
  /** Subscribed and connected: no message is being missed. */
  #live = false;
  #pingTimer: NodeJS.Timeout | undefined;
  #pinging = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  readonly #onSubscriberReady = (): void => {
    if (this.#subscribed) this.#markLive();
    else this.#startSubscribing();
  };
  readonly #onSubscriberLost = (): void => this.#markDown();
  readonly #onRawMessage = (raw: string): void => this.#deliver(raw);

  constructor(options: NodeRedisInvalidationBusOptions) {
    const { publisher, subscriber, channel } = options;
    if (!isNodeRedisClientLike(publisher)) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${OWNER}: publisher must be a node-redis client or cluster`,
      );
    }
    if (!isNodeRedisClientLike(subscriber) || isNodeRedisCluster(subscriber)) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${OWNER}: subscriber must be a standalone node-redis client (for a cluster, a client to any node)`,
      );
    }
    if ((subscriber as unknown) === publisher) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${OWNER}: subscriber must be a dedicated connection, not the publisher (use publisher.duplicate())`,
      );
    }
    if (typeof channel !== "string" || channel.length === 0) {
      throw new ApiKeyCacheError("E_CONFIG", `${OWNER}: channel must be a non-empty string`);
    }
    const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    assertTimeout(commandTimeoutMs, OWNER);
    const pingIntervalMs = options.pingIntervalMs ?? NODE_REDIS_PING_INTERVAL_MS;
    if (!Number.isFinite(pingIntervalMs) || pingIntervalMs <= 0) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${OWNER}: pingIntervalMs must be a positive number of milliseconds, got ${pingIntervalMs}`,
      );
    }
    const logger = options.logger ?? defaultLogger;
    assertLogger(logger, OWNER);
    this.instanceId = options.instanceId ?? randomUUID();
    this.channel = channel;
    this.commandTimeoutMs = commandTimeoutMs;
    this.pingIntervalMs = pingIntervalMs;
    this.ownsClients = options.ownsClients === true;
    this.publisher = publisher;
    this.subscriber = subscriber;
    this.#logger = logger;
    this.#publishing = new NodeRedisConnection(publisher, OWNER);
    this.#deadline = new DeadlineQueue(
      commandTimeoutMs,
      (timeoutMs) =>
        new ApiKeyCacheError(
          "E_BACKEND_UNAVAILABLE",
          `${OWNER}: Redis did not answer within ${timeoutMs} ms`,
        ),
    );
    subscriber.on("ready", this.#onSubscriberReady);
    subscriber.on("error", this.#onSubscriberLost);
    subscriber.on("reconnecting", this.#onSubscriberLost);
    subscriber.on("end", this.#onSubscriberLost);
    if (this.ownsClients) {
      this.#publishing.connectInBackground(logger);
      if (!subscriber.isOpen) {
        subscriber.connect().catch((error: unknown) => {
          if (!this.#closed) logger.error(`${OWNER}: subscriber connection gave up`, error);
        });
      }
    }
  }

  /** True while subscribed and connected (no message is being missed). */
  get live(): boolean {
    return this.#live;
  }

  /**
   * Publish to every other subscriber of the channel.
   * @throws ApiKeyCacheError `E_INVALID_VALUE` / `E_INVALID_KEY` for a malformed message (see
   * `assertInvalidationMessage`), `E_BACKEND_UNAVAILABLE` if Redis did not take it within the
   * deadline, `E_CLOSED` after `close()`.
   */
  async publish(message: InvalidationMessage): Promise<void> {
    this.#assertOpen();
    assertInvalidationMessage(message);
    const payload = encodeInvalidationMessage(this.instanceId, message);
    try {
      await this.#deadline.run(
        this.#publishing.send(
          this.channel,
          ["PUBLISH", this.channel, payload],
          this.commandTimeoutMs,
        ),
      );
    } catch (error) {
      if (error instanceof ApiKeyCacheError) throw error;
      if (this.#closed)
        throw new ApiKeyCacheError("E_CLOSED", `${OWNER} is closed`, { cause: error });
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApiKeyCacheError("E_BACKEND_UNAVAILABLE", `${OWNER}: publish() failed: ${reason}`, {
        cause: error,
      });
    }
  }

  /**
   * Deliver other instances' messages to `handlers`. Resolves once the subscription is
   * confirmed (after `handlers.ready()`), or after the deadline while Redis is unreachable;
   * then `ready()` comes once it is confirmed.
   */
  async subscribe(handlers: InvalidationHandlers): Promise<() => Promise<void>> {
    this.#assertOpen();
    assertHandlers(handlers);
    this.#handlers.add(handlers);
    if (this.#live) {
      this.#call(() => handlers.ready());
    } else {
      this.#startSubscribing();
      try {
        await this.#deadline.run(this.#liveGate.wait(this.commandTimeoutMs));
      } catch {
        // Not confirmed in time: ready() is called when it is.
      }
    }
    this.#schedulePing();
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      this.#handlers.delete(handlers);
      if (this.#handlers.size === 0) await this.#unsubscribe();
    };
  }

  /** Idempotent: stop pinging, detach, and close the clients if the bus owns them. */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#closed = true;
      this.#live = false;
      this.#handlers.clear();
      if (this.#pingTimer !== undefined) clearTimeout(this.#pingTimer);
      this.#liveGate.fail(new ApiKeyCacheError("E_CLOSED", `${OWNER} is closed`));
      this.subscriber.off("ready", this.#onSubscriberReady);
      this.subscriber.off("error", this.#onSubscriberLost);
      this.subscriber.off("reconnecting", this.#onSubscriberLost);
      this.subscriber.off("end", this.#onSubscriberLost);
      this.#closing = Promise.all([
        this.#publishing.close(this.ownsClients, this.commandTimeoutMs),
        this.ownsClients
          ? closeClient(this.subscriber, this.commandTimeoutMs)
          : this.#unsubscribe(),
      ]).then(() => undefined);
    }
    return this.#closing;
  }

  #startSubscribing(): void {
    if (this.#subscribed || this.#subscribing || this.#closed || this.#handlers.size === 0) return;
    // Only on a ready connection: a SUBSCRIBE queued while offline is flushed on the next error.
    if (!this.subscriber.isReady) return;
    this.#subscribing = true;
    this.subscriber.subscribe(this.channel, this.#onRawMessage).then(
      () => {
        this.#subscribing = false;
        if (this.#closed) return;
        this.#subscribed = true;
        if (this.#handlers.size === 0) {
          void this.#unsubscribe();
          return;
        }
        if (this.subscriber.isReady) this.#markLive();
      },
      (error: unknown) => {
        this.#subscribing = false;
        if (this.#closed) return;
        // The next ping tick (or "ready" event) tries again: the connection may stay up.
        this.#logger.warn(
          `${OWNER}: SUBSCRIBE ${JSON.stringify(this.channel)} failed; invalidations are missed until it succeeds`,
          error,
        );
      },
    );
  }

  async #unsubscribe(): Promise<void> {
    this.#live = false;
    if (!this.#subscribed) return;
    this.#subscribed = false;
    try {
      await this.#deadline.run(this.subscriber.unsubscribe(this.channel, this.#onRawMessage));
    } catch (error) {
      this.#logger.debug(`${OWNER}: UNSUBSCRIBE failed`, error);
    }
  }

  #markLive(): void {
    if (this.#live || this.#closed || !this.#subscribed) return;
    this.#live = true;
    this.#liveGate.open();
    for (const handlers of [...this.#handlers]) this.#call(() => handlers.ready());
  }

  #markDown(): void {
    if (!this.#live) return;
    this.#live = false;
    for (const handlers of [...this.#handlers]) this.#call(() => handlers.disconnected());
  }

  #deliver(raw: string): void {
    if (this.#closed) return;
    const decoded = decodeInvalidationMessage(raw);
    if (decoded === undefined) {
      this.#logger.warn(`${OWNER}: ignored a malformed message on ${JSON.stringify(this.channel)}`);
      return;
    }
    if (decoded.origin === this.instanceId) return;
    for (const handlers of [...this.#handlers]) {
      // A fresh object per subscriber: no two handlers share one message.
      const message: InvalidationMessage =
        decoded.key === undefined ? { op: decoded.op } : { op: decoded.op, key: decoded.key };
      this.#call(() => handlers.message(message));
    }
  }

  #schedulePing(): void {
    if (this.#closed || this.#pinging || this.#pingTimer !== undefined) return;
    if (this.#handlers.size === 0) return;
    this.#pingTimer = setTimeout(() => {
      this.#pingTimer = undefined;
      this.#ping();
    }, this.pingIntervalMs);
    this.#pingTimer.unref();
  }

  /**
   * PING the subscriber within the deadline. A late or missing PONG means a hung server or a
   * half-open link: report `disconnected()`; the next ping waits for that PONG, so the socket
   * goes quiet and node-redis's socket timeout replaces the connection (then `ready()`).
   * On a ready connection that is not subscribed (a SUBSCRIBE failed while the connection
   * stayed up, so no "ready" event will come), the tick subscribes again instead.
   */
  #ping(): void {
    if (this.#closed || this.#handlers.size === 0) return;
    if (!this.subscriber.isReady || !this.#subscribed) {
      if (this.subscriber.isReady) this.#startSubscribing();
      this.#schedulePing();
      return;
    }
    this.#pinging = true;
    const pong = this.subscriber.sendCommand(["PING"], PING_OPTIONS);
    const done = (): void => {
      this.#pinging = false;
      this.#schedulePing();
    };
    this.#deadline.run(pong).then(
      () => {
        // A connection that recovered without dropping (e.g. a server resumed after SIGSTOP).
        if (this.subscriber.isReady) this.#markLive();
        done();
      },
      (error: unknown) => {
        this.#markDown();
        if (!(error instanceof ApiKeyCacheError)) {
          done();
          return;
        }
        pong.then(
          () => {
            if (this.subscriber.isReady) this.#markLive();
            done();
          },
          () => done(),
        );
      },
    );
  }

  #call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#logger.error(`${OWNER}: an invalidation handler threw`, error);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new ApiKeyCacheError("E_CLOSED", `${OWNER} is closed`);
  }
}

function assertHandlers(handlers: InvalidationHandlers): void {
  const record = handlers as unknown as Record<string, unknown> | null;
  if (
    typeof record !== "object" ||
    record === null ||
    !["message", "ready", "disconnected"].every((name) => typeof record[name] === "function")
  ) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${OWNER}: subscribe() needs handlers with message, ready and disconnected functions`,
    );
  }
}
