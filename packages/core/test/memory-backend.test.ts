/** What the in-memory backend adds beyond the protocol: a bound, reclamation, its clock. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { COARSE_CLOCK_MAX_READS } from "../src/coarse-clock.js";
import {
  type CachedApiKey,
  InMemoryApiKeyCacheBackend,
  isApiKeyCacheError,
  NOT_FOUND_MARKER,
  REVOKED_MARKER,
} from "../src/index.js";
import { EXACT_EXPIRY_CHECK_WITHIN_MS } from "../src/memory-backend.js";

const record = (n: number) => ({ apiKey: `ak_${n}`, active: true });

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let current = 1_000;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("InMemoryApiKeyCacheBackend bound (LRU)", () => {
  it("inserting twice maxEntries keys keeps at most maxEntries, the newest", async () => {
    const backend = new InMemoryApiKeyCacheBackend({ maxEntries: 100 });
    for (let index = 0; index < 200; index++) await backend.set(`k${index}`, record(index), 60);
    expect(backend.size).toBe(100);
    for (let index = 0; index < 100; index++)
      expect(await backend.get(`k${index}`)).toBeUndefined();
    for (let index = 100; index < 200; index++) {
      expect(await backend.get(`k${index}`)).toEqual(record(index));
    }
  });

  it("recently read entries survive eviction; the least recently used go first", async () => {
    const backend = new InMemoryApiKeyCacheBackend({ maxEntries: 100 });
    for (let index = 0; index < 100; index++) await backend.set(`k${index}`, record(index), 60);
    for (let index = 0; index < 10; index++) expect(await backend.get(`k${index}`)).toBeDefined();
    for (let index = 100; index < 150; index++) await backend.set(`k${index}`, record(index), 60);
    expect(backend.size).toBe(100);
    for (let index = 0; index < 10; index++) {
      expect(await backend.get(`k${index}`), `k${index} was read, then evicted`).toEqual(
        record(index),
      );
    }
    for (let index = 10; index < 60; index++)
      expect(await backend.get(`k${index}`)).toBeUndefined();
    for (let index = 60; index < 150; index++) expect(await backend.get(`k${index}`)).toBeDefined();
  });

  it("evicts exactly as a model of its LRU order does, under many random reads and writes", async () => {
    const maxEntries = 12;
    const maxNegativeEntries = 4;
    const backend = new InMemoryApiKeyCacheBackend({ maxEntries, maxNegativeEntries });
    // Insertion-ordered Maps, least recently used first: records, tombstones, not-found markers.
    const records = new Map<string, CachedApiKey>();
    const tombstones = new Map<string, CachedApiKey>();
    const negatives = new Map<string, CachedApiKey>();
    const holderOf = (key: string) =>
      [records, negatives, tombstones].find((held) => held.has(key));
    const touch = (key: string): CachedApiKey | undefined => {
      const held = holderOf(key);
      const value = held?.get(key);
      if (held === undefined || value === undefined) return undefined;
      held.delete(key);
      held.set(key, value);
      return value;
    };
    const write = (key: string, value: CachedApiKey): void => {
      holderOf(key)?.delete(key);
      if (value === NOT_FOUND_MARKER) {
        negatives.set(key, value);
        while (negatives.size > maxNegativeEntries)
          negatives.delete(negatives.keys().next().value as string);
        return;
      }
      (value === REVOKED_MARKER ? tombstones : records).set(key, value);
      while (records.size + tombstones.size > maxEntries) {
        const from = records.size > 0 ? records : tombstones;
        from.delete(from.keys().next().value as string);
      }
    };
    let seed = 11;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let step = 0; step < 3_000; step++) {
      const key = `k${random(30)}`;
      const choice = random(6);
      if (choice === 0 || choice === 1) {
        const value =
          choice === 0 ? record(step) : random(2) === 0 ? REVOKED_MARKER : NOT_FOUND_MARKER;
        await backend.set(key, value, 60);
        write(key, value);
      } else if (choice === 2) {
        await backend.delete(key);
        holderOf(key)?.delete(key);
      } else {
        const expected = touch(key);
        const read = choice === 3 ? backend.peek(key) : await backend.get(key);
        expect(read, `step ${step}: ${key}`).toEqual(expected);
      }
      expect(backend.size).toBe(records.size + tombstones.size + negatives.size);
      expect(backend.negativeSize).toBe(negatives.size);
    }
    for (const held of [records, tombstones, negatives]) {
      for (const [key, value] of held) expect(backend.peek(key)).toEqual(value);
    }
  });

  it("an overwrite is the most recently used entry; the old value is gone", async () => {
    const backend = new InMemoryApiKeyCacheBackend({ maxEntries: 3 });
    await backend.set("a", record(1), 60);
    await backend.set("b", record(2), 60);
    await backend.set("c", record(3), 60);
    await backend.set("a", record(10), 60);
    await backend.set("d", record(4), 60);
    expect(backend.peek("b")).toBeUndefined();
    expect(backend.peek("a")).toEqual(record(10));
    expect(backend.peek("c")).toEqual(record(3));
    expect(backend.peek("d")).toEqual(record(4));
    // A record overwritten with a tombstone moves between the Maps and is counted once.
    await backend.set("c", REVOKED_MARKER, 60);
    expect(backend.size).toBe(3);
    await backend.set("e", record(5), 60);
    expect(backend.peek("c")).toEqual(REVOKED_MARKER);
    expect(backend.peek("a")).toBeUndefined();
  });

  it("defaults to 10,000 entries", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    expect(backend.maxEntries).toBe(10_000);
    for (let index = 0; index < 10_050; index++) await backend.set(`k${index}`, record(index), 60);
    expect(backend.size).toBe(10_000);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    "rejects maxEntries %s with E_CONFIG",
    (maxEntries) => {
      expect(() => new InMemoryApiKeyCacheBackend({ maxEntries })).toThrow(
        expect.objectContaining({ code: "E_CONFIG" }),
      );
    },
  );

  it("rejects a clock that is not a function with E_CONFIG", () => {
    const now = 5 as unknown as () => number;
    expect(() => new InMemoryApiKeyCacheBackend({ now })).toThrow(
      expect.objectContaining({ code: "E_CONFIG", message: expect.stringContaining("now") }),
    );
  });
});

describe("InMemoryApiKeyCacheBackend reclamation of expired entries", () => {
  it("size counts only live entries, even for entries never read again", async () => {
    const clock = fakeClock();
    const backend = new InMemoryApiKeyCacheBackend({ now: clock.now });
    for (let index = 0; index < 500; index++) await backend.set(`short${index}`, record(index), 1);
    for (let index = 0; index < 20; index++) await backend.set(`long${index}`, record(index), 60);
    expect(backend.size).toBe(520);
    clock.advance(1_000);
    expect(backend.size).toBe(20);
  });

  it("other operations reclaim expired entries, so they never push live ones out", async () => {
    // 50 long-lived entries are the least recently used; 50 short-lived ones fill the bound.
    // Once the short ones expire, 50 new writes must take their room, not evict the long ones.
    const clock = fakeClock();
    const backend = new InMemoryApiKeyCacheBackend({ maxEntries: 100, now: clock.now });
    for (let index = 0; index < 50; index++) await backend.set(`long${index}`, record(index), 60);
    for (let index = 0; index < 50; index++) await backend.set(`short${index}`, record(index), 1);
    clock.advance(1_001);
    for (let index = 0; index < 50; index++) await backend.set(`new${index}`, record(index), 60);
    for (let index = 0; index < 50; index++) {
      expect(await backend.get(`long${index}`), `long${index} was evicted`).toEqual(record(index));
    }
    expect(backend.size).toBe(100);
  });

  it("reclaims a large expired backlog a bounded amount per call, and entirely over many calls", async () => {
    const clock = fakeClock();
    const backend = new InMemoryApiKeyCacheBackend({ now: clock.now });
    for (let index = 0; index < 2_000; index++) await backend.set(`k${index}`, record(index), 1);
    clock.advance(2_000);
    // get() of an unrelated key: every call reclaims some of the backlog.
    for (let call = 0; call < 100; call++) await backend.get("unrelated");
    expect(backend.size).toBe(0);
  });

  it("an entry overwritten many times expires at its last TTL", async () => {
    const clock = fakeClock();
    const backend = new InMemoryApiKeyCacheBackend({ now: clock.now });
    for (let round = 0; round < 5_000; round++) {
      await backend.set("hot", record(round), round % 2 === 0 ? 1 : 100);
    }
    await backend.set("hot", record(-1), 10);
    clock.advance(9_999);
    expect(await backend.get("hot")).toEqual(record(-1));
    clock.advance(1);
    expect(await backend.get("hot")).toBeUndefined();
    expect(backend.size).toBe(0);
  });
});

describe("InMemoryApiKeyCacheBackend clock", () => {
  it("uses the injected monotonic clock, not wall time", async () => {
    const clock = fakeClock();
    const backend = new InMemoryApiKeyCacheBackend({ now: clock.now });
    await backend.set("k", record(1), 0.001);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await backend.get("k"), "real time passed but the injected clock did not").toEqual(
      record(1),
    );
    clock.advance(1);
    expect(await backend.get("k")).toBeUndefined();
  });

  it("by default ignores wall-clock jumps (Date.now)", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    await backend.set("k", record(1), 60);
    vi.spyOn(Date, "now").mockReturnValue(Date.now() + 3_600_000);
    expect(await backend.get("k")).toEqual(record(1));
  });
});

/** Spin for `ms` without yielding, so no timer runs (bounded by the deadline). */
function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

describe("InMemoryApiKeyCacheBackend default clock (coarse for get and peek)", () => {
  it("get and peek see an expiry in a later job (a timer)", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    await backend.set("k", record(1), 0.005);
    await backend.set("j", record(2), 0.005);
    expect(backend.peek("k")).toEqual(record(1));
    await new Promise((resolve) => setTimeout(resolve, 15));
    expect(backend.peek("k")).toBeUndefined();
    expect(await backend.get("j")).toBeUndefined();
  });

  it("within one job, an entry near its expiry is checked on the exact clock: the first read past its TTL misses", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    await backend.set("k", record(1), 0.002);
    await backend.set("j", record(2), 0.002);
    expect(backend.peek("k"), "read at once: live").toEqual(record(1));
    // The coarse sample of that read is still the one in use (same job, 1 read of 1,024).
    blockFor(10);
    expect(backend.peek("k")).toBeUndefined();
    expect(await backend.get("j")).toBeUndefined();
  });

  it("no sample outlives its job: once the microtask queue drained, the clock is read again", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const ttlMs = EXACT_EXPIRY_CHECK_WITHIN_MS + 200;
    await backend.set("k", record(1), ttlMs / 1000);
    expect(backend.peek("k"), "read at once: live").toEqual(record(1));
    blockFor(ttlMs + 10);
    await null;
    expect(backend.peek("k")).toBeUndefined();
  });

  it("far from its expiry, within one job, an entry is a hit on the coarse clock for up to COARSE_CLOCK_MAX_READS reads", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const ttlMs = EXACT_EXPIRY_CHECK_WITHIN_MS + 200;
    await backend.set("k", record(1), ttlMs / 1000);
    expect(backend.peek("k"), "read at once: live").toEqual(record(1));
    blockFor(ttlMs + 10);
    // The lag the window does not cover: a turn that blocks longer than the window.
    let reads = 1;
    while (backend.peek("k") !== undefined && reads <= 2 * COARSE_CLOCK_MAX_READS) reads++;
    expect(reads).toBeLessThanOrEqual(COARSE_CLOCK_MAX_READS);
    expect(backend.peek("k")).toBeUndefined();
  });

  it("getWithTtl and writes read the exact clock: no life left past the TTL", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    await backend.set("k", record(1), 0.002);
    await backend.set("j", record(2), 0.002);
    expect(backend.peek("k")).toEqual(record(1));
    blockFor(10);
    expect(await backend.getWithTtl("k")).toBeUndefined();
    expect(await backend.setIfAbsent("j", record(3), 60), "j had expired").toBe(true);
    expect(backend.peek("j")).toEqual(record(3));
  });

  it("an injected clock is read by every call, get and peek included", async () => {
    const clock = fakeClock();
    const backend = new InMemoryApiKeyCacheBackend({ now: clock.now });
    await backend.set("k", record(1), 0.005);
    expect(backend.peek("k")).toEqual(record(1));
    clock.advance(5);
    expect(backend.peek("k")).toBeUndefined();
  });
});

describe("InMemoryApiKeyCacheBackend clearSync()", () => {
  it("removes every entry synchronously and leaves the backend usable", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    for (let index = 0; index < 10; index++) await backend.set(`k${index}`, record(index), 60);
    expect(backend.clearSync()).toBeUndefined();
    expect(backend.size).toBe(0);
    expect(await backend.get("k1")).toBeUndefined();
    await backend.set("k1", record(1), 60);
    expect(await backend.get("k1")).toEqual(record(1));
  });

  it("close() drops the entries and later calls reject with E_CLOSED", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    await backend.set("k", record(1), 60);
    await backend.close();
    expect(backend.size).toBe(0);
    const error = await backend.get("k").catch((caught: unknown) => caught);
    expect(isApiKeyCacheError(error, "E_CLOSED")).toBe(true);
  });
});
