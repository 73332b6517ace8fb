/**
 * A Map kept in least-recently-used order, as lru-cache keeps one: each key names a slot, and
 * the order is a doubly linked list of slot numbers in two typed arrays. Marking an entry used
 * is a few integer writes (no Map delete and re-insert, which costs more than the lookup itself
 * on a hot read path, and no pointer writes into list nodes: the value stored is the only object
 * per key). Slots freed by a delete are reused; the arrays grow by doubling. Bounds and eviction
 * policy are the caller's.
 */

/** The slot number that names no slot: slot 0 is never used. */
const NONE = 0;

/** Slots of a new or cleared map (grown by doubling). */
const INITIAL_SLOTS = 16;

/** String-keyed entries in least-recently-used order. */
export class LruMap<T> {
  /** The slot of each key held. */
  readonly #slots = new Map<string, number>();
  /** The key and value in each slot (slot 0 and freed slots hold `""` and `undefined`). */
  #keys: string[] = [""];
  #values: (T | undefined)[] = [undefined];
  /** Per slot, the next less recently used slot, or `NONE` for the oldest. */
  #older = new Uint32Array(INITIAL_SLOTS);
  /** Per slot, the next more recently used slot, or `NONE` for the newest. */
  #newer = new Uint32Array(INITIAL_SLOTS);
  /** Slots freed by a delete, to reuse before a new one. */
  #freed: number[] = [];
  #oldest = NONE;
  #newest = NONE;

  /** Entries held. */
  get size(): number {
    return this.#slots.size;
  }

  /** True if `key` is held. */
  has(key: string): boolean {
    return this.#slots.has(key);
  }

  /** The value of `key`, without changing the order. */
  peek(key: string): T | undefined {
    const slot = this.#slots.get(key);
    return slot === undefined ? undefined : this.#values[slot];
  }

  /** The value of `key`, marked most recently used. */
  get(key: string): T | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    if (slot !== this.#newest) {
      this.#unlink(slot);
      this.#linkNewest(slot);
    }
    return this.#values[slot];
  }

  /** Store `value` under `key` as the most recently used entry (replacing any old value). */
  set(key: string, value: T): void {
    const existing = this.#slots.get(key);
    if (existing !== undefined) {
      this.#values[existing] = value;
      if (existing !== this.#newest) {
        this.#unlink(existing);
        this.#linkNewest(existing);
      }
      return;
    }
    const slot = this.#allocate();
    this.#keys[slot] = key;
    this.#values[slot] = value;
    this.#slots.set(key, slot);
    this.#linkNewest(slot);
  }

  /** Remove `key`; true if it was held. */
  delete(key: string): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#slots.delete(key);
    this.#release(slot);
    return true;
  }

  /** Remove the least recently used entry; true if there was one. */
  deleteOldest(): boolean {
    const oldest = this.#oldest;
    if (oldest === NONE) return false;
    this.#slots.delete(this.#keys[oldest] as string);
    this.#release(oldest);
    return true;
  }

  /** Remove every entry (and give back the grown arrays). */
  clear(): void {
    this.#slots.clear();
    this.#keys = [""];
    this.#values = [undefined];
    this.#older = new Uint32Array(INITIAL_SLOTS);
    this.#newer = new Uint32Array(INITIAL_SLOTS);
    this.#freed = [];
    this.#oldest = NONE;
    this.#newest = NONE;
  }

  /** Every entry, least recently used first. */
  *entries(): IterableIterator<[string, T]> {
    for (let slot = this.#oldest; slot !== NONE; slot = this.#newer[slot] as number) {
      yield [this.#keys[slot] as string, this.#values[slot] as T];
    }
  }

  /** A free slot: a freed one, else the next new one (growing the link arrays if full). */
  #allocate(): number {
    const reused = this.#freed.pop();
    if (reused !== undefined) return reused;
    // Slots in use and never freed are 1 .. keys.length - 1: the next new one is keys.length.
    const slot = this.#keys.length;
    if (slot >= this.#older.length) {
      const older = new Uint32Array(this.#older.length * 2);
      const newer = new Uint32Array(older.length);
      older.set(this.#older);
      newer.set(this.#newer);
      this.#older = older;
      this.#newer = newer;
    }
    return slot;
  }

  #release(slot: number): void {
    this.#unlink(slot);
    this.#keys[slot] = "";
    this.#values[slot] = undefined;
    this.#freed.push(slot);
  }

  #unlink(slot: number): void {
    const olderLinks = this.#older;
    const newerLinks = this.#newer;
    const older = olderLinks[slot] as number;
    const newer = newerLinks[slot] as number;
    if (older === NONE) this.#oldest = newer;
    else newerLinks[older] = newer;
    if (newer === NONE) this.#newest = older;
    else olderLinks[newer] = older;
    olderLinks[slot] = NONE;
    newerLinks[slot] = NONE;
  }

  #linkNewest(slot: number): void {
    const newest = this.#newest;
    this.#older[slot] = newest;
    this.#newer[slot] = NONE;
    if (newest === NONE) this.#oldest = slot;
    else this.#newer[newest] = slot;
    this.#newest = slot;
  }
}
