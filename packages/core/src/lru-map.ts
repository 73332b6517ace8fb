/**
 * A Map kept in least-recently-used order by a doubly linked list through its nodes, so marking
 * an entry used is a few pointer writes instead of a Map delete and re-insert (which costs more
 * than the lookup itself on a hot read path). Bounds and eviction policy are the caller's.
 */

interface LruNode<T> {
  readonly key: string;
  value: T;
  /** The next less recently used node, or `undefined` for the oldest. */
  older: LruNode<T> | undefined;
  /** The next more recently used node, or `undefined` for the newest. */
  newer: LruNode<T> | undefined;
}

/** String-keyed entries in least-recently-used order. */
export class LruMap<T> {
  readonly #nodes = new Map<string, LruNode<T>>();
  #oldest: LruNode<T> | undefined;
  #newest: LruNode<T> | undefined;

  /** Entries held. */
  get size(): number {
    return this.#nodes.size;
  }

  /** True if `key` is held. */
  has(key: string): boolean {
    return this.#nodes.has(key);
  }

  /** The value of `key`, without changing the order. */
  peek(key: string): T | undefined {
    return this.#nodes.get(key)?.value;
  }

  /** The value of `key`, marked most recently used. */
  get(key: string): T | undefined {
    const node = this.#nodes.get(key);
    if (node === undefined) return undefined;
    if (node !== this.#newest) {
      this.#unlink(node);
      this.#linkNewest(node);
    }
    return node.value;
  }

  /** Store `value` under `key` as the most recently used entry (replacing any old value). */
  set(key: string, value: T): void {
    const existing = this.#nodes.get(key);
    if (existing !== undefined) {
      existing.value = value;
      if (existing !== this.#newest) {
        this.#unlink(existing);
        this.#linkNewest(existing);
      }
      return;
    }
    const node: LruNode<T> = { key, value, older: undefined, newer: undefined };
    this.#nodes.set(key, node);
    this.#linkNewest(node);
  }

  /** Remove `key`; true if it was held. */
  delete(key: string): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    this.#nodes.delete(key);
    this.#unlink(node);
    return true;
  }

  /** Remove the least recently used entry; true if there was one. */
  deleteOldest(): boolean {
    const oldest = this.#oldest;
    if (oldest === undefined) return false;
    this.#nodes.delete(oldest.key);
    this.#unlink(oldest);
    return true;
  }

  /** Remove every entry. */
  clear(): void {
    this.#nodes.clear();
    this.#oldest = undefined;
    this.#newest = undefined;
  }

  /** Every entry, least recently used first. */
  *entries(): IterableIterator<[string, T]> {
    for (let node = this.#oldest; node !== undefined; node = node.newer) {
      yield [node.key, node.value];
    }
  }

  #unlink(node: LruNode<T>): void {
    const { older, newer } = node;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.#newest = older;
    else newer.older = older;
    node.older = undefined;
    node.newer = undefined;
  }

  #linkNewest(node: LruNode<T>): void {
    const newest = this.#newest;
    node.older = newest;
    if (newest === undefined) this.#oldest = node;
    else newest.newer = node;
    this.#newest = node;
  }
}
