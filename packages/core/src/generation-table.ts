/**
 * Generations for the tiered backend's L1 fill guard. A read notes the generation of its key
 * (and the global one) before asking L2, and may fill L1 only if neither moved by the time the
 * reply arrives. Per-key generations exist only while a read of that key is in flight, so the
 * table stays as small as the number of concurrent L2 reads and every operation is O(1).
 */

interface KeyGeneration {
  generation: number;
  readers: number;
}

/** A snapshot taken before an L2 read; {@link GenerationTable.unchanged} checks it afterwards. */
export interface GenerationMark {
  readonly key: string;
  readonly global: number;
  readonly generation: number;
  readonly entry: KeyGeneration;
}

/** Per-key and global generation counters, bumped by anything that makes an L2 reply stale. */
export class GenerationTable {
  readonly #inFlight = new Map<string, KeyGeneration>();
  #global = 0;

  /** Note the generations before an L2 read of `key`; pair with {@link release}. */
  mark(key: string): GenerationMark {
    let entry = this.#inFlight.get(key);
    if (entry === undefined) {
      entry = { generation: 0, readers: 0 };
      this.#inFlight.set(key, entry);
    }
    entry.readers++;
    return { key, global: this.#global, generation: entry.generation, entry };
  }

  /** True if nothing bumped `key`'s generation or the global one since `mark`. */
  unchanged(mark: GenerationMark): boolean {
    return mark.global === this.#global && mark.entry.generation === mark.generation;
  }

  /** The read is over: forget the key once no read of it is in flight. */
  release(mark: GenerationMark): void {
    const entry = mark.entry;
    entry.readers--;
    if (entry.readers === 0 && this.#inFlight.get(mark.key) === entry) {
      this.#inFlight.delete(mark.key);
    }
  }

  /** `key` changed: reads of it in flight must not fill L1. */
  bumpKey(key: string): void {
    const entry = this.#inFlight.get(key);
    if (entry !== undefined) entry.generation++;
  }

  /** Everything may have changed (clear, bus disconnect or resubscribe): no in-flight read fills L1. */
  bumpAll(): void {
    this.#global++;
  }

  /** Keys with an L2 read in flight (diagnostics and tests). */
  get trackedKeys(): number {
    return this.#inFlight.size;
  }
}
