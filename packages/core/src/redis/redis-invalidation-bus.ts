/**
 * The invalidation bus over Redis pub/sub, written once for every client: PUBLISH on one
 * connection, classic SUBSCRIBE on a dedicated one, each reached through a small interface a
 * client adapter implements. The tricky point is knowing when messages may have been missed:
 * the subscription counts as confirmed (`ready()`) only once SUBSCRIBE was acknowledged and a
 * PING behind it answered on the same connection; a lost connection or a ping that misses its
 * deadline means `disconnected()`. One probe (SUBSCRIBE + PING, or a health PING) is
 * outstanding at a time, on a setTimeout chain, so a hung link never piles up commands.
 */
import { ApiKeyCacheError } from "../errors.js";
import {
  assertInvalidationMessage,
  encodeInvalidationMessage,
  type InvalidationBus,
  type InvalidationHandlers,
  type InvalidationMessage,
} from "../invalidation-bus.js";
import type { ApiKeyCacheLogger } from "../logger.js";
import {
  exceedsInvalidationMessageLimit,
  MAX_INVALIDATION_MESSAGE_BYTES,
  readInboundInvalidation,
} from "./bus-inbound-message.js";
import { BusReadyWaiters } from "./bus-ready-waiters.js";
import { type BusSubscription, BusSubscriptions } from "./bus-subscriptions.js";
import { DeadlineQueue } from "./deadline-queue.js";
import { DroppedMessageLog } from "./dropped-message-log.js";
import { reconnectDelayMs } from "./reconnect-backoff.js";
import type { RedisInvalidationBusOptions } from "./redis-invalidation-bus-options.js";
import { resolveBusSettings } from "./redis-invalidation-bus-options.js";
import type { RedisPublishConnection } from "./redis-publish-connection.js";
import type { RedisSubscriberConnection } from "./redis-subscriber-connection.js";
import { defaultProbeTimeoutMs, UnresponsiveSocketWatch } from "./unresponsive-socket-watch.js";

const noop = (): void => {};

/** An {@link InvalidationBus} over Redis pub/sub, on any client's connections. */
export class RedisInvalidationBus implements InvalidationBus {
  readonly instanceId: string;
  readonly channel: string;
  readonly commandTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly ownsClients: boolean;
  readonly #owner: string;
  readonly #logger: ApiKeyCacheLogger;
  readonly #subscriber: RedisSubscriberConnection;
  readonly #publisher: RedisPublishConnection;
  readonly #deadlines: DeadlineQueue;
  /** Publishes only: a missed deadline there starts the unresponsive-socket watch. */
  readonly #publishDeadlines: DeadlineQueue;
  readonly #publishWatch: UnresponsiveSocketWatch | undefined;
  readonly #subscriptions: BusSubscriptions;
  readonly #readyWaiters = new BusReadyWaiters();
  readonly #dropped: DroppedMessageLog;
  /** Subscribed and confirmed on the current connection: no message is being missed. */
  #live = false;
  /** Bumped on every loss: the result of a probe sent before it no longer counts. */
  #epoch = 0;
  #probing = false;
  /** Probes failed in a row; spaces the retries with the reconnect backoff. */
  #failedProbes = 0;
  #timer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  readonly #mapPublishError = (error: unknown): ApiKeyCacheError => {
    if (error instanceof ApiKeyCacheError) return error;
    if (this.#closing !== undefined) {
      return new ApiKeyCacheError("E_CLOSED", `${this.#owner} is closed`, { cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new ApiKeyCacheError(
      "E_BACKEND_UNAVAILABLE",
      `${this.#owner}: PUBLISH failed: ${reason}`,
      {
        cause: error,
      },
    );
  };

  /**
   * Synchronous and network-free, apart from starting owned connections in the background.
   * @throws ApiKeyCacheError `E_CONFIG` for a bad option (see {@link resolveBusSettings}).
   */
  constructor(options: RedisInvalidationBusOptions) {
    const settings = resolveBusSettings(options);
    this.#owner = options.owner;
    this.instanceId = settings.instanceId;
    this.channel = settings.channel;
    this.commandTimeoutMs = settings.commandTimeoutMs;
    this.pingIntervalMs = settings.pingIntervalMs;
    this.ownsClients = settings.ownsClients;
    this.#logger = settings.logger;
    this.#subscriber = options.subscriber;
    this.#publisher = options.publisher;
    this.#subscriptions = new BusSubscriptions(this.#logger, this.#owner);
    this.#dropped = new DroppedMessageLog(
      this.#logger,
      `${this.#owner} on ${JSON.stringify(this.channel)}`,
    );
    this.#deadlines = new DeadlineQueue(
      this.commandTimeoutMs,
      (timeoutMs) =>
        new ApiKeyCacheError(
          "E_BACKEND_UNAVAILABLE",
          `${this.#owner}: Redis did not answer within ${timeoutMs} ms; is it reachable?`,
        ),
    );
    this.#publishWatch = watchPublisher(
      this.#publisher,
      defaultProbeTimeoutMs(this.commandTimeoutMs),
    );
    this.#publishDeadlines = new DeadlineQueue(this.commandTimeoutMs, (timeoutMs) => {
      this.#publishWatch?.replyMissed();
      return new ApiKeyCacheError(
        "E_BACKEND_UNAVAILABLE",
        `${this.#owner}: Redis did not answer PUBLISH within ${timeoutMs} ms; is it reachable?`,
      );
    });
    this.#subscriber.listen({
      message: (channel, payload) => this.#receive(channel, payload),
      ready: () => this.#onReady(),
      lost: () => this.#lose("the subscriber connection was lost"),
    });
    this.#subscriber.connect();
    this.#publisher.connect();
  }

  /** True while subscribed and confirmed (no message is being missed). */
  get live(): boolean {
    return this.#live;
  }

  /**
   * Publish to every other subscriber of the channel.
   * @throws ApiKeyCacheError `E_INVALID_VALUE` / `E_INVALID_KEY` for a malformed message (see
   * `assertInvalidationMessage`), `E_INVALID_KEY` for a key too long for the channel (the
   * message would exceed {@link MAX_INVALIDATION_MESSAGE_BYTES}), `E_BACKEND_UNAVAILABLE` if
   * Redis did not take it within the deadline, `E_CLOSED` after `close()`.
   */
  async publish(message: InvalidationMessage): Promise<void> {
    this.#assertOpen();
    assertInvalidationMessage(message);
    const payload = encodeInvalidationMessage(this.instanceId, message);
    if (exceedsInvalidationMessageLimit(payload)) {
      throw new ApiKeyCacheError(
        "E_INVALID_KEY",
        `${this.#owner}: the key is too long for the invalidation channel (a message may take at most ${MAX_INVALIDATION_MESSAGE_BYTES} bytes; receivers drop larger ones)`,
      );
    }
    await this.#publishDeadlines.run(
      this.#publisher.publish(this.channel, payload, this.commandTimeoutMs),
      this.#mapPublishError,
    );
  }

  /**
   * Deliver other instances' messages to `handlers`. Resolves once the subscription is
   * confirmed (after `ready()`), or after the deadline while Redis cannot confirm it; the
   * handlers stay registered either way and get `ready()` once it is confirmed.
   * @throws ApiKeyCacheError `E_CONFIG` for handlers without the three functions, `E_CLOSED`
   * after `close()`.
   */
  async subscribe(handlers: InvalidationHandlers): Promise<() => Promise<void>> {
    this.#assertOpen();
    const subscription = this.#subscriptions.add(handlers);
    this.#subscriber.connect();
    if (this.#live) {
      this.#subscriptions.notify(subscription, "ready");
    } else {
      this.#probeNow();
      await this.#readyWaiters.wait(this.commandTimeoutMs);
    }
    return () => this.#unsubscribe(subscription);
  }

  /** Idempotent. Closes the connections only if the bus owns them; else leaves the channel. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    const owned = this.ownsClients;
    const joined = this.#subscriptions.size > 0 || this.#probing;
    const leaving = !owned && joined ? this.#leaveChannel() : undefined;
    this.#live = false;
    this.#subscriptions.clear();
    this.#readyWaiters.release();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dropped.close();
    const timeoutMs = this.commandTimeoutMs;
    this.#closing = Promise.all([
      leaving,
      this.#subscriber.close(owned, timeoutMs),
      this.#publisher.close(owned, timeoutMs),
    ]).then(noop);
    return this.#closing;
  }

  #receive(channel: string, payload: string): void {
    if (this.#closing !== undefined || channel !== this.channel) return;
    if (this.#subscriptions.size === 0) return;
    const inbound = readInboundInvalidation(payload);
    if ("dropped" in inbound) {
      this.#dropped.record(inbound.dropped);
      return;
    }
    if (inbound.message.origin === this.instanceId) return;
    this.#subscriptions.deliver(inbound.message.op, inbound.message.key);
  }

  #onReady(): void {
    if (this.#closing !== undefined) return;
    // A fresh connection starts a fresh series: confirm at once, not after an old backoff.
    this.#failedProbes = 0;
    this.#probeNow();
  }

  /** Run the next probe now, unless one is outstanding (it schedules the next when it settles). */
  #probeNow(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#tick();
  }

  #schedule(delayMs: number): void {
    if (this.#closing !== undefined || this.#subscriptions.size === 0) return;
    if (this.#probing || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#tick();
    }, delayMs);
    this.#timer.unref();
  }

  /**
   * One step of the chain: while not confirmed, SUBSCRIBE then PING; while confirmed, a health
   * PING. The next step is scheduled only once the command itself settled, even if its
   * deadline passed long before.
   */
  #tick(): void {
    if (this.#closing !== undefined || this.#subscriptions.size === 0 || this.#probing) return;
    if (!this.#subscriber.isReady) {
      // The "ready" event starts the next probe; the timer only guards against a missed one.
      this.#schedule(this.pingIntervalMs);
      return;
    }
    this.#probing = true;
    const epoch = this.#epoch;
    const confirming = !this.#live;
    let settled = false;
    const work = confirming ? this.#subscribeAndPing() : this.#subscriber.ping();
    const sent = work.finally(() => {
      settled = true;
    });
    const verdict = this.#deadlines.run(sent).then(
      () => this.#probeAnswered(epoch, confirming),
      (error: unknown) => this.#probeFailed(epoch, confirming, !settled, error),
    );
    Promise.allSettled([sent, verdict]).then(() => {
      this.#probing = false;
      // A SUBSCRIBE that landed after the last handler left: leave the channel again.
      if (confirming && this.#subscriptions.size === 0 && this.#closing === undefined) {
        void this.#leaveChannel();
      }
      this.#schedule(this.#nextDelayMs());
    });
  }

  async #subscribeAndPing(): Promise<void> {
    await this.#subscriber.subscribe(this.channel);
    await this.#subscriber.ping();
  }

  #nextDelayMs(): number {
    if (this.#failedProbes > 0) return reconnectDelayMs(this.#failedProbes);
    return this.#live ? this.pingIntervalMs : 0;
  }

  #probeAnswered(epoch: number, confirming: boolean): void {
    if (this.#closing !== undefined || epoch !== this.#epoch) return;
    this.#failedProbes = 0;
    if (!confirming || this.#live || this.#subscriptions.size === 0) return;
    this.#live = true;
    this.#logger.debug(`${this.#owner}: subscribed to ${JSON.stringify(this.channel)}`);
    this.#readyWaiters.release();
    this.#subscriptions.notifyAll("ready");
  }

  /**
   * A refused SUBSCRIBE (NOPERM, NOAUTH) is retried with the reconnect backoff, never in a
   * tight loop. A probe that got no answer at all means a hung link: an owned connection is
   * replaced.
   */
  #probeFailed(epoch: number, confirming: boolean, unanswered: boolean, error: unknown): void {
    if (this.#closing !== undefined || epoch !== this.#epoch) return;
    this.#failedProbes++;
    if (confirming) {
      const log = this.#failedProbes === 1 ? this.#logger.warn : this.#logger.debug;
      log.call(
        this.#logger,
        `${this.#owner}: SUBSCRIBE ${JSON.stringify(this.channel)} not confirmed (attempt ${this.#failedProbes}); invalidations are missed until it is, retrying with backoff`,
        error,
      );
    } else {
      this.#lose(
        `the subscriber connection did not answer a ping within ${this.commandTimeoutMs} ms`,
      );
    }
    if (this.ownsClients && (unanswered || !confirming)) this.#subscriber.reconnect();
  }

  #lose(reason: string): void {
    this.#epoch++;
    // The link may be hung for the publisher too: check it now rather than after a publish
    // missed its deadline (a PING, replaced only if it gets no answer).
    this.#publishWatch?.replyMissed();
    if (!this.#live || this.#closing !== undefined) return;
    this.#live = false;
    this.#logger.warn(
      `${this.#owner}: ${reason}; invalidations may be missed until it resubscribes`,
    );
    this.#subscriptions.notifyAll("disconnected");
  }

  async #unsubscribe(subscription: BusSubscription): Promise<void> {
    if (!this.#subscriptions.remove(subscription)) return;
    if (this.#subscriptions.size > 0 || this.#closing !== undefined) return;
    this.#live = false;
    this.#epoch++;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#leaveChannel();
  }

  /** UNSUBSCRIBE within the deadline; a failure only means Redis drops it with the connection. */
  async #leaveChannel(): Promise<void> {
    if (!this.#subscriber.isReady) return;
    try {
      await this.#deadlines.run(this.#subscriber.unsubscribe(this.channel));
    } catch (error) {
      this.#logger.debug(
        `${this.#owner}: UNSUBSCRIBE ${JSON.stringify(this.channel)} failed`,
        error,
      );
    }
  }

  #assertOpen(): void {
    if (this.#closing !== undefined)
      throw new ApiKeyCacheError("E_CLOSED", `${this.#owner} is closed`);
  }
}

/** A watch over the publisher when its adapter can report readiness, ping and replace. */
function watchPublisher(
  publisher: RedisPublishConnection,
  probeTimeoutMs: number,
): UnresponsiveSocketWatch | undefined {
  const { ping, replaceUnresponsiveSocket } = publisher;
  if (ping === undefined || replaceUnresponsiveSocket === undefined) return undefined;
  if (publisher.isReady === undefined) return undefined;
  return new UnresponsiveSocketWatch(
    {
      isCluster: false,
      get isReady() {
        return publisher.isReady === true;
      },
      send: () => ping.call(publisher),
      replaceUnresponsiveSocket: () => replaceUnresponsiveSocket.call(publisher),
    },
    probeTimeoutMs,
  );
}
