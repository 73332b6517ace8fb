import { describe, expect, it } from "vitest";
import { LruMap } from "../src/lru-map.js";

const keysOf = (map: LruMap<number>): string[] => [...map.entries()].map(([key]) => key);

describe("LruMap", () => {
  it("keeps entries least recently used first; get and set mark used, peek does not", () => {
    const map = new LruMap<number>();
    map.set("a", 1);
    map.set("b", 2);
    map.set("c", 3);
    expect(keysOf(map)).toEqual(["a", "b", "c"]);
    expect(map.get("a")).toBe(1);
    expect(keysOf(map)).toEqual(["b", "c", "a"]);
    expect(map.peek("b")).toBe(2);
    expect(keysOf(map)).toEqual(["b", "c", "a"]);
    map.set("b", 20);
    expect(keysOf(map)).toEqual(["c", "a", "b"]);
    expect(map.peek("b")).toBe(20);
    expect(map.size).toBe(3);
  });

  it("deleteOldest evicts in order; delete unlinks from anywhere; clear empties", () => {
    const map = new LruMap<number>();
    for (const [index, key] of ["a", "b", "c", "d"].entries()) map.set(key, index);
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
    map.set("e", 5);
    expect(keysOf(map)).toEqual(["e"]);
  });

  it("stays consistent under many random operations (checked against an insertion-ordered Map)", () => {
    const map = new LruMap<number>();
    const model = new Map<string, number>();
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let step = 0; step < 5_000; step++) {
      const key = `k${random(60)}`;
      switch (random(4)) {
        case 0: {
          map.set(key, step);
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
          expect(map.get(key)).toBe(value);
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
    expect([...map.entries()]).toEqual([...model.entries()]);
  });
  it("grows past its initial slots and reuses freed ones, keeping the order", () => {
    const map = new LruMap<number>();
    for (let index = 0; index < 1_000; index++) map.set(`k${index}`, index);
    expect(map.size).toBe(1_000);
    for (let index = 0; index < 1_000; index += 2) expect(map.delete(`k${index}`)).toBe(true);
    for (let index = 1; index < 1_000; index += 4) expect(map.get(`k${index}`)).toBe(index);
    for (let index = 0; index < 300; index++) map.set(`n${index}`, -index);
    const expected = [
      ...Array.from({ length: 500 }, (_, half) => 2 * half + 1).filter((index) => index % 4 !== 1),
      ...Array.from({ length: 250 }, (_, quarter) => 4 * quarter + 1),
    ].map((index) => `k${index}`);
    expected.push(...Array.from({ length: 300 }, (_, index) => `n${index}`));
    expect(keysOf(map)).toEqual(expected);
    expect(map.size).toBe(expected.length);
    expect(map.peek("n299")).toBe(-299);
    expect(map.peek("k0")).toBeUndefined();
    while (map.deleteOldest());
    expect(map.size).toBe(0);
    expect(keysOf(map)).toEqual([]);
  });

  it("after clear, holds new entries from scratch with nothing left of the old ones", () => {
    const map = new LruMap<number>();
    for (let index = 0; index < 100; index++) map.set(`k${index}`, index);
    map.clear();
    expect(map.get("k5")).toBeUndefined();
    expect(map.has("k99")).toBe(false);
    map.set("a", 1);
    map.set("b", 2);
    map.get("a");
    expect([...map.entries()]).toEqual([
      ["b", 2],
      ["a", 1],
    ]);
  });
});
