/**
 * A Map kept in least-recently-used order by a doubly linked list through its entries: each
 * entry is its own list node (it carries its key and its two links), so a key costs one object,
 * and marking an entry used is a few pointer writes instead of a Map delete and re-insert (which
 * costs more than the lookup itself on a hot read path). Bounds and eviction policy are the
 * caller's.
 */

/** What an entry of an {@link LruMap} carries besides its own fields: its key and its links. */
export interface LruEntry<E extends LruEntry<E>> {
  readonly key: string;
  /** The next less recently used entry, or `undefined` for the oldest (the map's to write). */
  older: E | undefined;
  /** The next more recently used entry, or `undefined` for the newest (the map's to write). */
  newer: E | undefined;
}

/** Entries keyed by their `key`, in least-recently-used order. */
export class LruMap<E extends LruEntry<E>> {
  readonly #entries = new Map<string, E>();
  #oldest: E | undefined;
  #newest: E | undefined;

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** True if `key` is held. */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** The entry of `key`, without changing the order. */
  peek(key: string): E | undefined {
    return this.#entries.get(key);
  }

  /** The entry of `key`, marked most recently used. */
  get(key: string): E | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry !== this.#newest) {
      this.#unlink(entry);
      this.#linkNewest(entry);
    }
    return entry;
  }

  /**
   * Hold `entry` under its key as the most recently used entry, in place of any entry held
   * under that key (which is unlinked).
   */
  set(entry: E): void {
    const key = entry.key;
    const existing = this.#entries.get(key);
    if (existing === entry) {
      if (entry !== this.#newest) {
        this.#unlink(entry);
        this.#linkNewest(entry);
      }
      return;
    }
    if (existing !== undefined) this.#unlink(existing);
    this.#entries.set(key, entry);
    this.#linkNewest(entry);
  }

  /** Remove `key`; true if it was held. */
  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    this.#unlink(entry);
    return true;
  }

  /** Remove the least recently used entry; true if there was one. */
  deleteOldest(): boolean {
    const oldest = this.#oldest;
    if (oldest === undefined) return false;
    this.#entries.delete(oldest.key);
    this.#unlink(oldest);
    return true;
  }

  /** Remove every entry. */
  clear(): void {
    // Unlinked one by one, so an entry still referenced elsewhere keeps no neighbour alive.
    for (let entry = this.#oldest; entry !== undefined; ) {
      const newer: E | undefined = entry.newer;
      entry.older = undefined;
      entry.newer = undefined;
      entry = newer;
    }
    this.#entries.clear();
    this.#oldest = undefined;
    this.#newest = undefined;
  }

  /** Every entry, least recently used first. */
  *entries(): IterableIterator<E> {
    for (let entry = this.#oldest; entry !== undefined; entry = entry.newer) yield entry;
  }

  #unlink(entry: E): void {
    const { older, newer } = entry;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.#newest = older;
    else newer.older = older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  #linkNewest(entry: E): void {
    const newest = this.#newest;
    entry.older = newest;
    if (newest === undefined) this.#oldest = entry;
    else newest.newer = entry;
    this.#newest = entry;
  }
}
