/**
 * Background refreshes of entries close to their logical expiry: at most one per key, at most
 * `concurrency` at once. A refresh that cannot start (one for the key is running, or every
 * slot is taken) is skipped, not queued: the next hit of the key asks again.
 */

/** Runs refreshes; a refresh's own errors are its business (it must not reject). */
export class RefreshAhead {
  readonly #concurrency: number;
  readonly #running = new Set<string>();

  constructor(concurrency: number) {
    this.#concurrency = concurrency;
  }

  /** Refreshes running now. */
  get size(): number {
    return this.#running.size;
  }

  /** Start `refresh` for `key` unless one is running for it or no slot is free; true if started. */
  start(key: string, refresh: () => Promise<void>): boolean {
    if (this.#running.has(key) || this.#running.size >= this.#concurrency) return false;
    this.#running.add(key);
    void refresh()
      .catch(() => {})
      .finally(() => this.#running.delete(key));
    return true;
  }
}
