import { describe, expect, it } from "vitest";
import { type LruEntry, LruMap } from "../src/lru-map.js";

/** A test entry: a key, a number, and the links the map writes. */
interface NumberEntry extends LruEntry<NumberEntry> {
  readonly value: number;
}

const entry = (key: string, value: number): NumberEntry => ({
  key,
  value,
  older: undefined,
  newer: undefined,
});

/** Every key held, least recently used first, walked both ways (the links must agree). */
function keysOf(map: LruMap<NumberEntry>): string[] {
  const keys = [...map.entries()].map((held) => held.key);
  const backwards: string[] = [];
  const all = [...map.entries()];
  for (let held = all[all.length - 1]; held !== undefined; held = held.older) {
    backwards.unshift(held.key);
  }
  expect(backwards).toEqual(keys);
  expect(keys.length).toBe(map.size);
  return keys;
}

describe("LruMap", () => {
  it("keeps entries least recently used first; get and set mark used, peek does not", () => {
    const map = new LruMap<NumberEntry>();
    map.set(entry("a", 1));
    map.set(entry("b", 2));
    map.set(entry("c", 3));
    expect(keysOf(map)).toEqual(["a", "b", "c"]);
    expect(map.get("a")?.value).toBe(1);
    expect(keysOf(map)).toEqual(["b", "c", "a"]);
    expect(map.peek("b")?.value).toBe(2);
    expect(keysOf(map)).toEqual(["b", "c", "a"]);
    map.set(entry("b", 20));
    expect(keysOf(map)).toEqual(["c", "a", "b"]);
    expect(map.peek("b")?.value).toBe(20);
    expect(map.size).toBe(3);
  });

  it("deleteOldest evicts in order; delete unlinks from anywhere; clear empties", () => {
    const map = new LruMap<NumberEntry>();
    for (const [index, key] of ["a", "b", "c", "d"].entries()) map.set(entry(key, index));
    expect(map.delete("c")).toBe(true);
    expect(map.delete("c")).toBe(false);
    expect(keysOf(map)).toEqual(["a", "b", "d"]);
    expect(map.deleteOldest()).toBe(true);
    expect(keysOf(map)).toEqual(["b", "d"]);
    expect(map.has("a")).toBe(false);
    expect(map.get("missing")).toBeUndefined();
    map.clear();
    expect(map.size).toBe(0);
    expect(map.deleteOldest()).toBe(false);
    map.set(entry("e", 5));
    expect(keysOf(map)).toEqual(["e"]);
  });

  it("stays consistent under many random operations (checked against an insertion-ordered Map)", () => {
    const map = new LruMap<NumberEntry>();
    const model = new Map<string, number>();
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let step = 0; step < 5_000; step++) {
      const key = `k${random(50)}`;
      switch (random(4)) {
        case 0: {
          map.set(entry(key, step));
          model.delete(key);
          model.set(key, step);
          break;
        }
        case 1: {
          const value = model.get(key);
          if (value !== undefined) {
            model.delete(key);
            model.set(key, value);
          }
          expect(map.get(key)?.value).toBe(value);
          break;
        }
        case 2: {
          expect(map.delete(key)).toBe(model.delete(key));
          break;
        }
        default: {
          const oldest = model.keys().next();
          if (oldest.done !== true) model.delete(oldest.value);
          expect(map.deleteOldest()).toBe(oldest.done !== true);
        }
      }
    }
    expect(keysOf(map)).toEqual([...model.keys()]);
    expect([...map.entries()].map((held) => held.value)).toEqual([...model.values()]);
  });
  it("set with a new entry for a held key replaces and unlinks the old one; the same entry just moves", () => {
    const map = new LruMap<NumberEntry>();
    const a = entry("a", 1);
    const b = entry("b", 2);
    const c = entry("c", 3);
    map.set(a);
    map.set(b);
    map.set(c);
    const newB = entry("b", 20);
    map.set(newB);
    expect(keysOf(map)).toEqual(["a", "c", "b"]);
    expect(map.peek("b")).toBe(newB);
    expect(b.older).toBeUndefined();
    expect(b.newer).toBeUndefined();
    expect(c.newer).toBe(newB);
    map.set(a);
    expect(keysOf(map)).toEqual(["c", "b", "a"]);
    expect(map.size).toBe(3);
    map.set(a);
    expect(keysOf(map)).toEqual(["c", "b", "a"]);
  });

  it("an entry removed by delete, deleteOldest or clear keeps no link to another", () => {
    const map = new LruMap<NumberEntry>();
    const held = ["a", "b", "c", "d", "e"].map((key, index) => entry(key, index));
    for (const each of held) map.set(each);
    map.delete("c");
    map.deleteOldest();
    for (const removed of [held[0], held[2]]) {
      expect(removed?.older).toBeUndefined();
      expect(removed?.newer).toBeUndefined();
    }
    expect(keysOf(map)).toEqual(["b", "d", "e"]);
    map.clear();
    for (const each of held) {
      expect(each.older).toBeUndefined();
      expect(each.newer).toBeUndefined();
    }
    expect(keysOf(map)).toEqual([]);
    expect(map.peek("b")).toBeUndefined();
  });
});
