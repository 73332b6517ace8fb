/**
 * Decoded values shared between reads of the same stored bytes: a bounded map from the exact
 * string a read got back to the deep-frozen record `decodeCachedApiKey` made of it, so a hot
 * entry is parsed, shape-checked and frozen once instead of on every read. Safe because the
 * decode is a pure function of the string and its result is deeply frozen (the backend
 * protocol lets two reads share one object): a read whose bytes differ in any character
 * (a new value, a tombstone written over it) misses and is decoded afresh, and nothing in the
 * record depends on when it was read (the TTL comes from `PTTL`, never from the cached value).
 * Only values that decode are kept: an undecodable entry is decoded, reported and cleaned up on
 * every read exactly as without this cache.
 *
 * Bounds: at most `maxEntries` records and `maxChars` characters of stored strings in all;
 * a stored string longer than `maxEntryChars` is never kept. The oldest record goes first
 * (insertion order; a hit does not reorder, so it costs one map lookup). Memory: the stored
 * strings (one byte per character for ASCII JSON, plus ~20 bytes each) and their records, about
 * twice their JSON: 16,384 records of ~110 bytes of JSON took 5.8 MB of heap in all (measured
 * with `process.memoryUsage()` after `gc()`), about what a full cache of typical records takes.
 * JSON made of many tiny arrays or objects costs more per character (an empty `[]` is ~2
 * characters and ~32 bytes of heap), so an adversarial store could make the cache hold tens of
 * MB within the bounds below.
 *
 * Cost (callgrind, one ~110-byte record per read, fresh reply strings): a plain decode ~10,500
 * instructions, a shared hit ~2,600, a miss that keeps and evicts ~20,000. So that a working
 * set larger than the bounds, read as a scan, does not pay that twice-a-decode on every read,
 * admission follows the hit rate: after a window of {@link ADMISSION_WINDOW} lookups with
 * fewer than one hit in {@link LOW_HIT_RATE_DIVISOR}, only one miss in
 * {@link SAMPLED_ADMISSION} is kept (a miss then costs the decode and one map lookup) until a
 * window's hit rate is back above it; the sampled admissions let a new hot set in.
 */
import type { CachedApiKey } from "../backend.js";
import { decodeCachedApiKey } from "../value-codec.js";

/** Bounds of a {@link DecodedValueCache}. */
export interface DecodedValueCacheBounds {
  /** Records kept at most. */
  readonly maxEntries: number;
  /** Characters of stored strings kept at most, all records together. */
  readonly maxChars: number;
  /** A stored string longer than this is decoded on every read, never kept. */
  readonly maxEntryChars: number;
}

/**
 * The bounds of every Redis backend: 16,384 records and 2 MiB of stored JSON at most (16,384
 * records of ~110 bytes fit both), none longer than 4 KiB.
 */
export const DEFAULT_DECODED_VALUE_CACHE_BOUNDS: DecodedValueCacheBounds = Object.freeze({
  maxEntries: 16_384,
  maxChars: 2 * 1024 * 1024,
  maxEntryChars: 4096,
});

/** Lookups per hit-rate window. */
export const ADMISSION_WINDOW = 1024;
/** A window with fewer than `ADMISSION_WINDOW / LOW_HIT_RATE_DIVISOR` hits is a low one. */
export const LOW_HIT_RATE_DIVISOR = 8;
/** After a low window, one miss in this many is kept. */
export const SAMPLED_ADMISSION = 16;

/** Decodes stored strings, sharing the frozen record between reads of the same string. */
export class DecodedValueCache<V extends CachedApiKey> {
  readonly #values = new Map<string, V>();
  readonly #maxEntries: number;
  readonly #maxChars: number;
  readonly #maxEntryChars: number;
  /** The kept strings in insertion order: a ring of `maxEntries` slots from `#oldest` on. */
  readonly #order: (string | undefined)[] = [];
  #oldest = 0;
  #chars = 0;
  /** Lookups and hits in the current window; whether the last window's hit rate was low. */
  #lookups = 0;
  #hits = 0;
  #sampling = false;
  /** Misses since the last one kept while sampling. */
  #skipped = 0;

  constructor(bounds: DecodedValueCacheBounds = DEFAULT_DECODED_VALUE_CACHE_BOUNDS) {
    for (const [name, bound] of Object.entries(bounds)) {
      if (!Number.isSafeInteger(bound) || bound < 0) {
        throw new RangeError(`DecodedValueCache ${name} must be a non-negative integer`);
      }
    }
    this.#maxEntries = bounds.maxEntries;
    this.#maxChars = bounds.maxChars;
    this.#maxEntryChars = Math.min(bounds.maxEntryChars, bounds.maxChars);
  }

  /** Records kept now. */
  get size(): number {
    return this.#values.size;
  }

  /** Characters of stored strings kept now. */
  get chars(): number {
    return this.#chars;
  }

  /** Whether misses are kept only one in {@link SAMPLED_ADMISSION} (the last window's hit rate was low). */
  get sampling(): boolean {
    return this.#sampling;
  }

  /** `decodeCachedApiKey(stored)`, or the record an earlier call made of the same string. */
  decode(stored: string): V | undefined {
    if (++this.#lookups === ADMISSION_WINDOW) this.#endWindow();
    const shared = this.#values.get(stored);
    if (shared !== undefined) {
      this.#hits++;
      return shared;
    }
    const value = decodeCachedApiKey<V>(stored);
    if (value !== undefined && stored.length <= this.#maxEntryChars && this.#maxEntries > 0) {
      if (!this.#sampling || ++this.#skipped === SAMPLED_ADMISSION) {
        this.#skipped = 0;
        this.#keep(stored, value);
      }
    }
    return value;
  }

  #endWindow(): void {
    this.#sampling = this.#hits * LOW_HIT_RATE_DIVISOR < ADMISSION_WINDOW;
    this.#lookups = 0;
    this.#hits = 0;
  }

  /**
   * Keep `value` for `stored`, dropping the oldest records until both bounds hold. The order is
   * a ring of its own, not `Map#keys().next()`: V8 leaves a deleted entry in place until the
   * table is rebuilt, so finding a Map's first live key after many deletions walks all of them
   * (callgrind: ~100,000 instructions per read on a scan larger than the bounds).
   */
  #keep(stored: string, value: V): void {
    const values = this.#values;
    const order = this.#order;
    const maxEntries = this.#maxEntries;
    const limit = this.#maxChars - stored.length;
    while (values.size >= maxEntries || this.#chars > limit) {
      const oldest = order[this.#oldest] as string;
      order[this.#oldest] = undefined;
      this.#oldest = (this.#oldest + 1) % maxEntries;
      values.delete(oldest);
      this.#chars -= oldest.length;
    }
    order[(this.#oldest + values.size) % maxEntries] = stored;
    values.set(stored, value);
    this.#chars += stored.length;
  }
}
