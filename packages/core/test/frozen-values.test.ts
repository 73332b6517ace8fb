/**
 * The frozen-values contract in core: decoding deep-freezes, the memory backend stores one
 * deep-frozen copy and hands it out without a parse, and the resolver's stripped view of a
 * frozen record is frozen and computed once.
 */
import {
  type CachedApiKey,
  decodeCachedApiKey,
  encodeCachedApiKey,
  InMemoryApiKeyCacheBackend,
  isApiKeyCacheError,
} from "@apikey/core";
import { describe, expect, it } from "vitest";
import { withFreshUntil, withoutFreshUntil } from "../src/freshness.js";

const rich = (): CachedApiKey => ({
  apiKey: "ak_1",
  active: true,
  scopes: ["read", { nested: [1, 2] }],
  limits: { perMinute: 60 },
});

/** Every object and array reachable from `value`. */
function nodesOf(value: unknown): object[] {
  const found: object[] = [];
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== "object" || node === null) continue;
    found.push(node);
    pending.push(...Object.values(node));
  }
  return found;
}

describe("decodeCachedApiKey", () => {
  it("returns a deep-frozen record: every object and array in it is frozen", () => {
    const decoded = decodeCachedApiKey(encodeCachedApiKey(rich()));
    expect(decoded).toEqual(rich());
    const nodes = nodesOf(decoded);
    expect(nodes).toHaveLength(5);
    for (const node of nodes) expect(Object.isFrozen(node)).toBe(true);
    expect(() => {
      (decoded as CachedApiKey).active = false;
    }).toThrow(TypeError);
  });

  it("freezes an entry nested far deeper than the stack would allow to recurse", () => {
    const depth = 200_000;
    const raw = `{"apiKey":"ak","active":true,"deep":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const decoded = decodeCachedApiKey(raw);
    let node: unknown = decoded?.deep;
    let levels = 0;
    let unfrozen = 0;
    while (Array.isArray(node)) {
      if (!Object.isFrozen(node)) unfrozen++;
      node = node[0];
      levels++;
    }
    expect(unfrozen).toBe(0);
    expect(levels).toBe(depth);
  });

  it("keeps an own __proto__ field as data and freezes it", () => {
    const decoded = decodeCachedApiKey('{"apiKey":"a","active":true,"__proto__":{"x":1}}');
    const field = Object.getOwnPropertyDescriptor(decoded, "__proto__")?.value as object;
    expect(field).toEqual({ x: 1 });
    expect(Object.isFrozen(field)).toBe(true);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
  });
});

describe("InMemoryApiKeyCacheBackend hands out one deep-frozen copy", () => {
  it("get, getWithTtl, setIfAbsentGet and peek give the same frozen copy, never the caller's object", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const value = rich();
    await backend.set("k", value, 60);
    (value.limits as { perMinute: number }).perMinute = -1;
    const got = await backend.get("k");
    expect(got).toEqual(rich());
    expect(got).not.toBe(value);
    for (const node of nodesOf(got)) expect(Object.isFrozen(node)).toBe(true);
    expect(Object.isFrozen(value)).toBe(false);
    expect(await backend.get("k")).toBe(got);
    expect((await backend.getWithTtl("k"))?.value).toBe(got);
    expect(await backend.setIfAbsentGet("k", rich(), 60)).toBe(got);
    expect(backend.peek("k")).toBe(got);
  });

  it("a write replaces the copy handed out; the old one stays as it was", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    await backend.set("k", { apiKey: "a", active: true }, 60);
    const before = backend.peek("k");
    await backend.set("k", { apiKey: "b", active: true }, 60);
    expect(before).toEqual({ apiKey: "a", active: true });
    expect(backend.peek("k")).toEqual({ apiKey: "b", active: true });
  });

  it("peek misses like get: absent, expired, deleted, cleared", async () => {
    let now = 0;
    const backend = new InMemoryApiKeyCacheBackend({ now: () => now });
    expect(backend.peek("absent")).toBeUndefined();
    await backend.set("short", { apiKey: "s", active: true }, 1);
    now = 999;
    expect(backend.peek("short")).toEqual({ apiKey: "s", active: true });
    now = 1000;
    expect(backend.peek("short")).toBeUndefined();
    expect(await backend.get("short")).toBeUndefined();
    await backend.set("d", { apiKey: "d", active: true }, 60);
    await backend.delete("d");
    expect(backend.peek("d")).toBeUndefined();
    await backend.set("c", { apiKey: "c", active: true }, 60);
    await backend.clear();
    expect(backend.peek("c")).toBeUndefined();
  });

  it("peek marks an entry used, as get does, so the LRU keeps it", async () => {
    const backend = new InMemoryApiKeyCacheBackend({ maxEntries: 2 });
    await backend.set("a", { apiKey: "a", active: true }, 60);
    await backend.set("b", { apiKey: "b", active: true }, 60);
    expect(backend.peek("a")).toBeDefined();
    await backend.set("c", { apiKey: "c", active: true }, 60);
    expect(backend.peek("a")).toBeDefined();
    expect(backend.peek("b")).toBeUndefined();
  });

  it("peek throws E_INVALID_KEY for a bad key and E_CLOSED after close(); get rejects with them", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const codeOf = (call: () => unknown): string | undefined => {
      try {
        call();
      } catch (error) {
        return isApiKeyCacheError(error) ? error.code : "not an ApiKeyCacheError";
      }
      return undefined;
    };
    expect(codeOf(() => backend.peek(""))).toBe("E_INVALID_KEY");
    await expect(backend.get("")).rejects.toMatchObject({ code: "E_INVALID_KEY" });
    await backend.close();
    expect(codeOf(() => backend.peek("k"))).toBe("E_CLOSED");
    await expect(backend.get("k")).rejects.toMatchObject({ code: "E_CLOSED" });
  });
});

describe("withoutFreshUntil", () => {
  it("gives a frozen record's view once: frozen, without the field, the same object every time", () => {
    const stamped = decodeCachedApiKey(
      encodeCachedApiKey(withFreshUntil(rich(), 1_000)),
    ) as CachedApiKey;
    const view = withoutFreshUntil(stamped);
    expect(view).toEqual(rich());
    expect("_freshUntil" in view).toBe(false);
    expect(Object.isFrozen(view)).toBe(true);
    expect(withoutFreshUntil(stamped)).toBe(view);
  });

  it("the memory backend computes the view when it stores the record", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    await backend.set("k", withFreshUntil(rich(), 1_000), 60);
    const stored = backend.peek("k") as CachedApiKey;
    expect(stored._freshUntil).toBe(1_000);
    expect(withoutFreshUntil(stored)).toBe(withoutFreshUntil(stored));
  });

  it("copies a mutable record each time and leaves a record without the field as it is", () => {
    const mutable = withFreshUntil(rich(), 5);
    expect(withoutFreshUntil(mutable)).not.toBe(withoutFreshUntil(mutable));
    expect(Object.isFrozen(withoutFreshUntil(mutable))).toBe(false);
    const plain = rich();
    expect(withoutFreshUntil(plain)).toBe(plain);
  });
});
