/**
 * A warning that may fire on every request but is logged at most once per interval, with the
 * number of occurrences since the last line, so a long outage cannot flood the log.
 */
import type { ApiKeyCacheLogger } from "./logger.js";

/** One rate-limited warning line. */
export class IntervalWarning {
  readonly #logger: ApiKeyCacheLogger;
  readonly #intervalMs: number;
  readonly #message: (count: number) => string;
  #lastLoggedAt = Number.NEGATIVE_INFINITY;
  #unlogged = 0;

  constructor(logger: ApiKeyCacheLogger, intervalMs: number, message: (count: number) => string) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
    this.#message = message;
  }

  /** Count one occurrence; log a line if the last one is at least an interval old. */
  note(detail?: unknown): void {
    this.#unlogged++;
    const now = performance.now();
    if (now - this.#lastLoggedAt < this.#intervalMs) return;
    this.#lastLoggedAt = now;
    const count = this.#unlogged;
    this.#unlogged = 0;
    if (detail === undefined) this.#logger.warn(this.#message(count));
    else this.#logger.warn(this.#message(count), detail);
  }
}
