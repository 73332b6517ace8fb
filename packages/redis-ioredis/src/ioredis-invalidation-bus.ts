/**
 * The invalidation bus over ioredis: PUBLISH on one connection, classic SUBSCRIBE on a dedicated
 * one (classic pub/sub reaches every node of a cluster, so any node will do). The tricky point
 * is knowing when messages may have been missed: `disconnected()` fires when the subscriber
 * connection drops or stops answering pings (a paused server or half-open link looks connected
 * to the client), and `ready()` only once a SUBSCRIBE has been confirmed again.
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
import type { Redis } from "ioredis";
import { closeClientWithin } from "./close-client.js";
import { type IoredisClient, looksLikeIoredisClient } from "./ioredis-client.js";
import { IoredisCommandRunner } from "./ioredis-command-runner.js";

const OWNER = "IoredisInvalidationBus";

/** Options of {@link IoredisInvalidationBus}. */
export interface IoredisInvalidationBusOptions {
  /** Connection PUBLISH goes to: a `Redis` or a `Cluster`. */
  publisher: IoredisClient;
  /**
   * A dedicated single-node connection for SUBSCRIBE (any node of a cluster). Do not use it
   * for anything else: once subscribed it may not run other commands.
   */
  subscriber: Redis;
  /** The pub/sub channel, usually `invalidationChannel(keyPrefix)`. */
  channel: string;
  /** Where connection losses and bad messages are reported. @default defaultLogger */
  logger?: ApiKeyCacheLogger;
  /** Deadline of PUBLISH, SUBSCRIBE and each health ping. @default 1000 */
  commandTimeoutMs?: number;
  /** How often the subscriber connection is pinged to notice a hung link. @default 1000 */
  pingIntervalMs?: number;
  /**
   * Close both connections in `close()`, and drop the subscriber connection when a ping misses
   * its deadline (it reconnects). `ioredisDriver` sets it for the connections it creates.
   * @default false
   */
  ownsClients?: boolean;
  /** Stamped as `origin` on published messages. @default a random UUID */
  instanceId?: string;
}

interface Subscription {
  readonly handlers: InvalidationHandlers;
  active: boolean;
}

/** An {@link InvalidationBus} over Redis pub/sub with ioredis. */
export class IoredisInvalidationBus implements InvalidationBus {
  readonly instanceId: string;
  readonly channel: string;
  readonly publisher: IoredisClient;
  readonly subscriber: Redis;
  readonly #logger: ApiKeyCacheLogger;
  readonly #ownsClients: boolean;
  readonly #pingIntervalMs: number;
  readonly #publishRunner: IoredisCommandRunner;
  readonly #subscriberRunner: IoredisCommandRunner;
  readonly #subscriptions = new Set<Subscription>();
  /** The SUBSCRIBE is confirmed on the current subscriber connection. */
  #confirmed = false;
  #confirming: Promise<boolean> | undefined;
  #pinging = false;
  #pingTimer: NodeJS.Timeout | undefined;
  #listening = false;
  #closing: Promise<void> | undefined;

  readonly #onMessage = (channel: string, raw: string): void => {
    if (channel !== this.channel) return;
    const decoded = decodeInvalidationMessage(raw);
    if (decoded === undefined) {
      this.#logger.warn(`${OWNER}: ignored a malformed message on ${this.channel}`);
      return;
    }
    if (decoded.origin === this.instanceId) return;
    for (const subscription of [...this.#subscriptions]) {
      if (!subscription.active) continue;
      // A fresh object per subscriber: no two handlers share (or can mutate) one message.
      const message: InvalidationMessage =
        decoded.key === undefined ? { op: decoded.op } : { op: decoded.op, key: decoded.key };
      this.#notify(subscription, "message", message);
    }
  };

  readonly #onClose = (): void => this.#markDisconnected("the subscriber connection closed");

  readonly #onReady = (): void => {
    if (this.#subscriptions.size > 0) void this.#confirm();
  };

  /**
   * Synchronous and network-free.
   * @throws ApiKeyCacheError `E_CONFIG` for missing clients, a shared connection, an empty
   * channel, or a bad timeout or interval.
   */
  constructor(options: IoredisInvalidationBusOptions) {
    const { publisher, subscriber, channel } = options;
    if (!looksLikeIoredisClient(publisher)) {
      throw new ApiKeyCacheError("E_CONFIG", `${OWNER}: publisher must be an ioredis client`);
    }
    if (!looksLikeIoredisClient(subscriber) || subscriber.isCluster) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${OWNER}: subscriber must be a single-node ioredis Redis connection (any node of a cluster)`,
      );
    }
    if ((publisher as IoredisClient) === subscriber) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${OWNER}: publisher and subscriber must be two connections (use redis.duplicate())`,
      );
    }
    if (typeof channel !== "string" || channel.length === 0) {
      throw new ApiKeyCacheError("E_CONFIG", `${OWNER}: channel must be a non-empty string`);
    }
    const pingIntervalMs = options.pingIntervalMs ?? 1000;
    if (!Number.isFinite(pingIntervalMs) || pingIntervalMs <= 0) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${OWNER}: pingIntervalMs must be a positive number of milliseconds, got ${pingIntervalMs}`,
      );
    }
    const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.#publishRunner = new IoredisCommandRunner(publisher, commandTimeoutMs, OWNER);
    this.#subscriberRunner = new IoredisCommandRunner(subscriber, commandTimeoutMs, OWNER);
    this.publisher = publisher;
    this.subscriber = subscriber;
    this.channel = channel;
    this.instanceId = options.instanceId ?? randomUUID();
    this.#logger = options.logger ?? defaultLogger;
    this.#ownsClients = options.ownsClients === true;
    this.#pingIntervalMs = pingIntervalMs;
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
    const wire = encodeInvalidationMessage(this.instanceId, message);
    await this.#publishRunner.run("PUBLISH", () => this.publisher.publish(this.channel, wire));
  }

  /**
   * Deliver other instances' messages to `handlers`. Resolves once the subscription is
   * confirmed (after `ready()`), or after the deadline if Redis cannot be reached; the handlers
   * stay registered either way and get `ready()` as soon as the subscription is confirmed.
   */
  async subscribe(handlers: InvalidationHandlers): Promise<() => Promise<void>> {
    this.#assertOpen();
    if (
      typeof handlers?.message !== "function" ||
      typeof handlers.ready !== "function" ||
      typeof handlers.disconnected !== "function"
    ) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${OWNER}: subscribe needs handlers with message(), ready() and disconnected()`,
      );
    }
    const subscription: Subscription = { handlers, active: true };
    this.#subscriptions.add(subscription);
    this.#listen();
    if (this.#confirmed) this.#notify(subscription, "ready");
    else await this.#confirm();
    return () => this.#unsubscribe(subscription);
  }

  /** Idempotent. Closes the connections only if the bus owns them. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    for (const subscription of this.#subscriptions) subscription.active = false;
    this.#subscriptions.clear();
    this.#stopListening();
    this.#publishRunner.dispose();
    this.#subscriberRunner.dispose();
    const timeoutMs = this.#subscriberRunner.timeoutMs;
    this.#closing = this.#ownsClients
      ? Promise.all([
          closeClientWithin(this.publisher, timeoutMs),
          closeClientWithin(this.subscriber, timeoutMs),
        ]).then(() => {})
      : this.#leaveChannel();
    return this.#closing;
  }

  /** Start listening to the subscriber connection and pinging it (once). */
  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    this.subscriber.on("message", this.#onMessage);
    this.subscriber.on("close", this.#onClose);
    this.subscriber.on("ready", this.#onReady);
    this.#pingTimer = setInterval(() => this.#checkSubscriber(), this.#pingIntervalMs);
    this.#pingTimer.unref();
  }

  #stopListening(): void {
    if (!this.#listening) return;
    this.#listening = false;
    clearInterval(this.#pingTimer);
    this.subscriber.off("message", this.#onMessage);
    this.subscriber.off("close", this.#onClose);
    this.subscriber.off("ready", this.#onReady);
  }

  /** SUBSCRIBE (again) and, once Redis confirms it, announce `ready()`. True if confirmed. */
  #confirm(): Promise<boolean> {
    if (this.#confirming !== undefined) return this.#confirming;
    const attempt = this.#subscriberRunner
      .run("SUBSCRIBE", () => this.subscriber.subscribe(this.channel))
      .then(
        () => {
          if (this.#closing !== undefined || this.#subscriptions.size === 0) return false;
          if (!this.#confirmed) {
            this.#confirmed = true;
            this.#logger.debug(`${OWNER}: subscribed to ${this.channel}`);
            for (const subscription of [...this.#subscriptions]) {
              this.#notify(subscription, "ready");
            }
          }
          return true;
        },
        (error: unknown) => {
          this.#logger.debug(`${OWNER}: SUBSCRIBE ${this.channel} not confirmed yet`, error);
          return false;
        },
      )
      .finally(() => {
        this.#confirming = undefined;
      });
    this.#confirming = attempt;
    return attempt;
  }

  /** The ping loop: re-subscribe when needed, and notice a subscriber link that went silent. */
  #checkSubscriber(): void {
    if (this.#closing !== undefined || this.#subscriptions.size === 0 || this.#pinging) return;
    if (this.subscriber.status !== "ready") return; // "close" was reported; ioredis reconnects
    if (!this.#confirmed) {
      void this.#confirm();
      return;
    }
    this.#pinging = true;
    this.#subscriberRunner
      .run("PING", () => this.subscriber.ping())
      .then(
        () => {},
        () => {
          if (this.#closing !== undefined) return;
          this.#markDisconnected("the subscriber connection did not answer a ping in time");
          // Our own connection is dropped and rebuilt; a caller's is re-subscribed when it answers.
          if (this.#ownsClients) this.subscriber.disconnect(true);
        },
      )
      .finally(() => {
        this.#pinging = false;
      });
  }

  #markDisconnected(reason: string): void {
    if (!this.#confirmed) return;
    this.#confirmed = false;
    this.#logger.warn(`${OWNER}: ${reason}; invalidations may be missed until it resubscribes`);
    for (const subscription of [...this.#subscriptions]) {
      this.#notify(subscription, "disconnected");
    }
  }

  async #unsubscribe(subscription: Subscription): Promise<void> {
    if (!subscription.active) return;
    subscription.active = false;
    this.#subscriptions.delete(subscription);
    if (this.#subscriptions.size > 0 || this.#closing !== undefined) return;
    this.#confirmed = false;
    await this.#leaveChannel();
  }

  /** UNSUBSCRIBE within the deadline; a failure only means Redis drops it with the connection. */
  async #leaveChannel(): Promise<void> {
    if (this.subscriber.status !== "ready") return;
    try {
      await this.#subscriberRunner.run("UNSUBSCRIBE", () =>
        this.subscriber.unsubscribe(this.channel),
      );
    } catch (error) {
      this.#logger.debug(`${OWNER}: UNSUBSCRIBE ${this.channel} failed`, error);
    }
  }

  #notify(subscription: Subscription, kind: "ready" | "disconnected"): void;
  #notify(subscription: Subscription, kind: "message", message: InvalidationMessage): void;
  #notify(
    subscription: Subscription,
    kind: keyof InvalidationHandlers,
    message?: InvalidationMessage,
  ): void {
    if (!subscription.active) return;
    try {
      if (kind === "message") subscription.handlers.message(message as InvalidationMessage);
      else subscription.handlers[kind]();
    } catch (error) {
      this.#logger.error(`${OWNER}: a ${kind}() handler threw`, error);
    }
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new ApiKeyCacheError("E_CLOSED", `${OWNER} is closed`);
  }
}
