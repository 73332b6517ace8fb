/** The decoded records Redis reads of the same stored bytes share: identity, checks, bounds. */
import { describe, expect, it } from "vitest";
import { decodeCachedApiKey, encodeCachedApiKey, REVOKED_MARKER } from "../src/index.js";
import {
  ADMISSION_WINDOW,
  DEFAULT_DECODED_VALUE_CACHE_BOUNDS,
  DecodedValueCache,
  SAMPLED_ADMISSION,
} from "../src/redis/decoded-value-cache.js";

const stored = (index: number): string =>
  encodeCachedApiKey({ apiKey: `ak_${index}`, active: true, scopes: ["read"], n: { i: index } });

/** Characters of `count` stored strings from `first` on. */
const charsOf = (first: number, count: number): number => {
  let total = 0;
  for (let index = first; index < first + count; index++) total += stored(index).length;
  return total;
};

describe("DecodedValueCache", () => {
  it("gives reads of the same bytes one deep-frozen record, equal to a fresh decode", () => {
    const cache = new DecodedValueCache();
    // Two distinct string objects with the same characters, as two replies would be.
    const first = cache.decode(stored(1));
    const second = cache.decode(`${stored(1).slice(0, 5)}${stored(1).slice(5)}`);
    expect(second).toBe(first);
    expect(first).toEqual(decodeCachedApiKey(stored(1)));
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.scopes)).toBe(true);
    expect(Object.isFrozen(first?.n)).toBe(true);
    expect(() => {
      (first as { active: boolean }).active = false;
    }).toThrow(TypeError);
    expect(cache.decode(stored(1))?.active).toBe(true);
    expect(cache.size).toBe(1);
    expect(cache.chars).toBe(stored(1).length);
  });

  it("decodes changed bytes afresh: a new value or a tombstone is never served from the old one", () => {
    const cache = new DecodedValueCache();
    const before = cache.decode('{"apiKey":"ak","active":true}');
    const revoked = cache.decode(encodeCachedApiKey(REVOKED_MARKER));
    const reactivated = cache.decode('{"apiKey":"ak","active":false}');
    expect(before).toEqual({ apiKey: "ak", active: true });
    expect(revoked).toEqual(REVOKED_MARKER);
    expect(revoked).not.toBe(before);
    expect(reactivated).toEqual({ apiKey: "ak", active: false });
    // One character apart (a space the Python module writes) is another entry.
    const spaced = cache.decode('{"apiKey": "ak", "active": true}');
    expect(spaced).toEqual(before);
    expect(spaced).not.toBe(before);
    expect(cache.size).toBe(4);
  });

  it("rejects corrupt and foreign values on every read and keeps none of them", () => {
    const cache = new DecodedValueCache();
    const bad = [
      "not json",
      '{"apiKey":1,"active":true}',
      '{"apiKey":"ak"}',
      "[]",
      "null",
      "42",
      '"text"',
      '{"apiKey":"ak","active":"yes"}',
    ];
    for (let round = 0; round < 3; round++) {
      for (const raw of bad) expect(cache.decode(raw)).toBeUndefined();
    }
    expect(cache.size).toBe(0);
    expect(cache.chars).toBe(0);
  });

  it("holds at most maxEntries records, dropping the oldest first", () => {
    const cache = new DecodedValueCache({
      maxEntries: 3,
      maxChars: 1_000_000,
      maxEntryChars: 4096,
    });
    const kept = [0, 1, 2].map((index) => cache.decode(stored(index)));
    expect(cache.size).toBe(3);
    const fourth = cache.decode(stored(3));
    expect(cache.size).toBe(3);
    expect(cache.chars).toBe(charsOf(1, 3));
    // 1, 2 and 3 are still shared; 0 was dropped and is decoded again, into a new object.
    expect(cache.decode(stored(1))).toBe(kept[1]);
    expect(cache.decode(stored(2))).toBe(kept[2]);
    expect(cache.decode(stored(3))).toBe(fourth);
    const again = cache.decode(stored(0));
    expect(again).toEqual(kept[0]);
    expect(again).not.toBe(kept[0]);
    expect(cache.size).toBe(3);
  });

  it("keeps exactly the newest records through many rounds of eviction", () => {
    const cache = new DecodedValueCache({
      maxEntries: 5,
      maxChars: 1_000_000,
      maxEntryChars: 4096,
    });
    const decoded = new Map<number, unknown>();
    for (let index = 10; index < 33; index++) decoded.set(index, cache.decode(stored(index)));
    expect(cache.size).toBe(5);
    expect(cache.chars).toBe(charsOf(28, 5));
    for (let index = 28; index < 33; index++)
      expect(cache.decode(stored(index))).toBe(decoded.get(index));
    expect(cache.size).toBe(5);
    const dropped = cache.decode(stored(27));
    expect(dropped).not.toBe(decoded.get(27));
    // 27 went in as the newest, 28 (the oldest) went out.
    expect(cache.decode(stored(27))).toBe(dropped);
    expect(cache.decode(stored(29))).toBe(decoded.get(29));
    expect(cache.decode(stored(28))).not.toBe(decoded.get(28));
  });

  it("holds at most maxChars characters of stored strings", () => {
    // Indexes 10-59: every stored string has the same length.
    const maxChars = charsOf(10, 2) + 1;
    const cache = new DecodedValueCache({ maxEntries: 100, maxChars, maxEntryChars: 4096 });
    for (let index = 10; index < 60; index++) {
      cache.decode(stored(index));
      expect(cache.chars).toBeLessThanOrEqual(maxChars);
    }
    expect(cache.size).toBe(2);
    expect(cache.chars).toBe(charsOf(58, 2));
  });

  it("never keeps a stored string longer than maxEntryChars, yet decodes it", () => {
    const cache = new DecodedValueCache({ maxEntries: 10, maxChars: 100_000, maxEntryChars: 64 });
    const long = encodeCachedApiKey({ apiKey: "ak", active: true, pad: "x".repeat(100) });
    const first = cache.decode(long);
    expect(first).toEqual(decodeCachedApiKey(long));
    expect(Object.isFrozen(first)).toBe(true);
    expect(cache.decode(long)).not.toBe(first);
    expect(cache.size).toBe(0);
    cache.decode('{"apiKey":"ak","active":true}');
    expect(cache.size).toBe(1);
  });

  it("keeps nothing with maxEntries 0, and refuses bounds that are not counts", () => {
    const cache = new DecodedValueCache({ maxEntries: 0, maxChars: 1000, maxEntryChars: 100 });
    const first = cache.decode(stored(1));
    expect(first).toEqual(decodeCachedApiKey(stored(1)));
    expect(cache.decode(stored(1))).not.toBe(first);
    expect(cache.size).toBe(0);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(
        () => new DecodedValueCache({ ...DEFAULT_DECODED_VALUE_CACHE_BOUNDS, maxEntries: bad }),
      ).toThrow(RangeError);
    }
  });

  it("stays within its default bounds under a flood of distinct values", () => {
    const cache = new DecodedValueCache();
    const { maxEntries, maxChars } = DEFAULT_DECODED_VALUE_CACHE_BOUNDS;
    for (let index = 0; index < 4 * maxEntries; index++) {
      expect(cache.decode(stored(index))).toEqual(decodeCachedApiKey(stored(index)));
    }
    expect(cache.size).toBeLessThanOrEqual(maxEntries);
    expect(cache.chars).toBeLessThanOrEqual(maxChars);
    // A scan hits nothing: after the first window only one miss in SAMPLED_ADMISSION is kept.
    expect(cache.sampling).toBe(true);
    const keptBefore = cache.size;
    const scanned = 10 * ADMISSION_WINDOW;
    for (let index = 0; index < scanned; index++) cache.decode(stored(10 * maxEntries + index));
    expect(cache.size - keptBefore).toBeLessThanOrEqual(Math.ceil(scanned / SAMPLED_ADMISSION));
    expect(cache.size).toBeLessThanOrEqual(maxEntries);
  });

  it("keeps every miss again once a hot set follows a scan", () => {
    const cache = new DecodedValueCache({
      maxEntries: 512,
      maxChars: 1_000_000,
      maxEntryChars: 4096,
    });
    for (let index = 0; index < 2 * ADMISSION_WINDOW; index++) cache.decode(stored(1000 + index));
    expect(cache.sampling).toBe(true);
    // 64 hot records read round and round: the sampled admissions let them in, the hit rate
    // rises, and the window after that keeps every miss again.
    const hot = Array.from({ length: 64 }, (_, index) => stored(index));
    for (let round = 0; round < 8 * SAMPLED_ADMISSION; round++) {
      for (const value of hot) cache.decode(value);
    }
    expect(cache.sampling).toBe(false);
    for (const value of hot) expect(cache.decode(value)).toBe(cache.decode(value));
    const fresh = stored(5000);
    expect(cache.decode(fresh)).toBe(cache.decode(fresh));
  });
});
