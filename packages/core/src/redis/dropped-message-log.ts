/**
 * The warnings of an invalidation bus about messages it dropped (malformed, too large). Anyone
 * who can PUBLISH on the channel can send them, so they must not flood the log: the first drop
 * is logged at once, later ones are counted and reported at most once per interval.
 */
import type { ApiKeyCacheLogger } from "../logger.js";

/** The shortest gap between two warnings about dropped messages of one bus. */
export const DROPPED_MESSAGE_LOG_INTERVAL_MS = 10_000;

/** A rate-limited `logger.warn` for dropped bus messages; `close()` reports what it still holds. */
export class DroppedMessageLog {
  readonly #logger: ApiKeyCacheLogger;
  readonly #subject: string;
  readonly #intervalMs: number;
  #held = 0;
  #lastReason = "";
  #timer: NodeJS.Timeout | undefined;

  /** @param subject starts every line, e.g. `IoredisInvalidationBus on "apikey:__invalidate"` */
  constructor(
    logger: ApiKeyCacheLogger,
    subject: string,
    intervalMs: number = DROPPED_MESSAGE_LOG_INTERVAL_MS,
  ) {
    this.#logger = logger;
    this.#subject = subject;
    this.#intervalMs = intervalMs;
  }

  /** One message was dropped because of `reason` (never the message itself: it may be huge). */
  record(reason: string): void {
    if (this.#timer !== undefined) {
      this.#held++;
      this.#lastReason = reason;
      return;
    }
    this.#logger.warn(
      `${this.#subject}: dropped a message (${reason}); further drops are counted and reported at most every ${this.#intervalMs / 1000} s`,
    );
    this.#arm();
  }

  /** Report the drops still counted, and stop the timer. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#report();
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#held === 0) return;
      this.#report();
      this.#arm();
    }, this.#intervalMs);
    this.#timer.unref();
  }

  #report(): void {
    if (this.#held === 0) return;
    this.#logger.warn(
      `${this.#subject}: dropped ${this.#held} more message(s) since the last report (the last one: ${this.#lastReason})`,
    );
    this.#held = 0;
  }
}
