/**
 * How the tiered backend publishes its invalidations. The tricky point: a publish comes after
 * an acknowledged L2 write, so it must never turn that write into a failure, nor make its
 * caller wait (a `revoke` whose tombstone is written must resolve even while the bus is down).
 * So a publish is started at once and never awaited by the write; when it fails, the message
 * is kept and retried with backoff, and the backend is told the bus is suspect (it bypasses
 * its L1) until a retry goes through. Other processes' L1 copies of a key whose message is
 * still pending expire within `localTtlSeconds` anyway; a message older than that is dropped,
 * except the newest, kept as the probe that tells the bus works again.
 */
import type { InvalidationBus, InvalidationMessage } from "./invalidation-bus.js";
import type { ApiKeyCacheLogger } from "./logger.js";
import { reconnectDelayMs } from "./redis/reconnect-backoff.js";

/** Most distinct pending messages; beyond it they are replaced by one `clear`. */
export const MAX_PENDING_INVALIDATIONS = 1024;

/** What the publisher tells the backend. */
export interface TieredPublisherEvents {
  /** A publish failed: peers may keep stale L1 copies, and this bus may be failing. */
  suspect(): void;
  /** Every pending message went out: the bus takes publishes again. */
  confirmed(): void;
}

interface PendingMessage {
  readonly message: InvalidationMessage;
  readonly failedAt: number;
}

/** Publishes without ever failing or delaying the write it follows. */
export class TieredPublisher {
  readonly #bus: InvalidationBus;
  readonly #logger: ApiKeyCacheLogger;
  readonly #events: TieredPublisherEvents;
  readonly #localTtlMs: number;
  readonly #now: () => number;
  /** Pending messages by key (`""` for `clear`, which covers every key). */
  readonly #pending = new Map<string, PendingMessage>();
  #failures = 0;
  #attempt = 0;
  #retrying = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    bus: InvalidationBus,
    logger: ApiKeyCacheLogger,
    localTtlMs: number,
    now: () => number,
    events: TieredPublisherEvents,
  ) {
    this.#bus = bus;
    this.#logger = logger;
    this.#localTtlMs = localTtlMs;
    this.#now = now;
    this.#events = events;
  }

  /** False from a failed publish until every pending message went out. */
  get healthy(): boolean {
    return this.#pending.size === 0;
  }

  /** Publishes that failed (first attempts and retries) since construction. */
  get failures(): number {
    return this.#failures;
  }

  /** Messages waiting for a retry. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Start publishing `message` now; never throws, never rejects, returns at once. */
  publish(message: InvalidationMessage): void {
    if (this.#closed) return;
    let sent: Promise<void>;
    try {
      sent = this.#bus.publish(message);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      () => {
        // The bus works again: send what is pending now rather than after the backoff.
        if (!this.healthy && !this.#retrying) this.#retryNow();
      },
      (error: unknown) => this.#failed(message, error),
    );
  }

  /** Stop retrying; pending messages are dropped. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }

  #failed(message: InvalidationMessage, error: unknown): void {
    if (this.#closed) return;
    this.#failures++;
    const wasHealthy = this.healthy;
    this.#keep(message);
    if (!wasHealthy) return;
    this.#logger.warn(
      `TieredApiKeyCacheBackend: publishing "${message.op}" failed (the write itself succeeded); L1 is bypassed and the message retried until the bus takes it; other processes may serve their L1 copy for up to ${this.#localTtlMs / 1000} s`,
      error,
    );
    this.#events.suspect();
    this.#schedule();
  }

  #keep(message: InvalidationMessage): void {
    const failedAt = this.#now();
    if (this.#pending.has("")) return;
    if (message.key === undefined || this.#pending.size >= MAX_PENDING_INVALIDATIONS) {
      this.#pending.clear();
      this.#pending.set("", { message: { op: "clear" }, failedAt });
      return;
    }
    this.#pending.delete(message.key);
    this.#pending.set(message.key, { message, failedAt });
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== undefined || this.#retrying) return;
    this.#attempt++;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#retryNow();
    }, reconnectDelayMs(this.#attempt));
    this.#timer.unref();
  }

  #retryNow(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    void this.#retry();
  }

  /** Send the pending messages one by one; stop at the first failure and back off. */
  async #retry(): Promise<void> {
    if (this.#closed || this.#retrying) return;
    this.#retrying = true;
    try {
      this.#dropExpired();
      for (const [key, pending] of [...this.#pending]) {
        try {
          await this.#bus.publish(pending.message);
        } catch (error) {
          if (this.#closed) return;
          this.#failures++;
          this.#logger.debug("TieredApiKeyCacheBackend: publish retry failed", error);
          return;
        }
        // A newer failure of the same key replaced it meanwhile: that one is still pending.
        if (this.#pending.get(key) === pending) this.#pending.delete(key);
      }
    } finally {
      this.#retrying = false;
      if (!this.#closed) this.#afterRetry();
    }
  }

  #afterRetry(): void {
    if (!this.healthy) {
      this.#schedule();
      return;
    }
    this.#attempt = 0;
    this.#logger.info("TieredApiKeyCacheBackend: the invalidation bus takes publishes again");
    this.#events.confirmed();
  }

  /** Messages older than the L1 lifetime no longer matter, but the newest stays as the probe. */
  #dropExpired(): void {
    const cutoff = this.#now() - this.#localTtlMs;
    let newest: [string, PendingMessage] | undefined;
    for (const entry of this.#pending) {
      if (newest === undefined || entry[1].failedAt >= newest[1].failedAt) newest = entry;
    }
    for (const [key, pending] of [...this.#pending]) {
      if (pending.failedAt < cutoff && key !== newest?.[0]) this.#pending.delete(key);
    }
  }
}
