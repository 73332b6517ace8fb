/**
 * The resolver's synchronous hit path: over a backend with `peek`, an in-process hit is answered
 * without calling `get` and settles one microtask after `resolve` returns, and every rule of the
 * async path still holds (stats, the not-found marker, tombstones, expiresAt, logical expiry and
 * refresh-ahead, the circuit, single flight, diagnostics).
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  createApiKeyResolver,
  DIAGNOSTICS_CHANNELS,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  REVOKED_MARKER,
  type ResolveEvent,
  silentLogger,
} from "@apikey/core";
import { describe, expect, it } from "vitest";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A memory backend whose `get` and `peek` calls are counted, and whose `get` can be made to fail. */
function countedBackend(memory = new InMemoryApiKeyCacheBackend()) {
  const calls = { get: 0, peek: 0 };
  const control = { getError: undefined as Error | undefined };
  const backend: ApiKeyCacheBackend & { peek(cacheKey: string): CachedApiKey | undefined } = {
    get: (key) => {
      calls.get++;
      return control.getError === undefined ? memory.get(key) : Promise.reject(control.getError);
    },
    peek: (key) => {
      calls.peek++;
      return memory.peek(key);
    },
    getWithTtl: (key) => memory.getWithTtl(key),
    set: (key, value, ttl) => memory.set(key, value, ttl),
    setIfAbsent: (key, value, ttl) => memory.setIfAbsent(key, value, ttl),
    setIfAbsentGet: (key, value, ttl) => memory.setIfAbsentGet(key, value, ttl),
    replaceIfUnchanged: (key, expected, value, ttl) =>
      memory.replaceIfUnchanged(key, expected, value, ttl),
    delete: (key) => memory.delete(key),
    clear: () => memory.clear(),
    close: () => memory.close(),
  };
  return { backend, calls, control, memory };
}

function countedLoader(records: Record<string, CachedApiKey | undefined>) {
  const loader = {
    loads: 0,
    load: async (keyHash: string): Promise<CachedApiKey | undefined> => {
      loader.loads++;
      return records[keyHash];
    },
  };
  return loader;
}

/** Microtask turns until `promise` settles (bounded). */
async function turnsToSettle(promise: Promise<unknown>): Promise<number> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  let turns = 0;
  while (!settled && turns < 100) {
    await Promise.resolve();
    turns++;
  }
  return turns;
}

const KEY = "sk_peek_live";
const HASH = hashApiKey(KEY);

describe("resolver over a backend with peek", () => {
  it("a hit is answered by peek without a get, deep-frozen, and settles in one microtask turn", async () => {
    const { backend, calls } = countedBackend();
    const loader = countedLoader({ [HASH]: { apiKey: "ak_live", active: true, tags: ["a"] } });
    const resolver = createApiKeyResolver({ backend, load: loader.load, logger: silentLogger });
    const first = await resolver.resolve(KEY);
    expect(first).toEqual({ apiKey: "ak_live", active: true, tags: ["a"] });
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.tags)).toBe(true);
    const getsAfterLoad = calls.get;

    const hit = resolver.resolve(KEY);
    expect(await turnsToSettle(hit)).toBe(1);
    const value = await hit;
    expect(value).toEqual(first);
    expect(Object.isFrozen(value)).toBe(true);
    expect(calls.get).toBe(getsAfterLoad);
    expect(calls.peek).toBeGreaterThanOrEqual(2);
    expect(resolver.stats()).toMatchObject({ hits: 1, misses: 1, loads: 1, bypasses: 0 });
    expect(loader.loads).toBe(1);
  });

  it("a hit on the memory backend is its settled promise: no promise of its own per hit", async () => {
    const memory = new InMemoryApiKeyCacheBackend();
    const loader = countedLoader({ [HASH]: { apiKey: "ak_live", active: true } });
    const resolver = createApiKeyResolver({
      backend: memory,
      load: loader.load,
      logger: silentLogger,
    });
    expect(await resolver.resolve(KEY)).toEqual({ apiKey: "ak_live", active: true });
    const hit = resolver.resolve(KEY);
    expect(resolver.resolve(KEY)).toBe(hit);
    expect(memory.get(HASH)).toBe(hit);
    expect(await turnsToSettle(hit)).toBe(1);
    expect(await hit).toBe(memory.peek(HASH));
    expect(resolver.stats()).toMatchObject({ hits: 2, misses: 1, loads: 1 });
  });

  it("a memory backend subclass that overrides peek is read through its override", async () => {
    let peeks = 0;
    class CountingBackend extends InMemoryApiKeyCacheBackend {
      override peek(cacheKey: string): CachedApiKey | undefined {
        peeks++;
        return super.peek(cacheKey);
      }
    }
    const backend = new CountingBackend();
    const loader = countedLoader({ [HASH]: { apiKey: "ak_live", active: true } });
    const resolver = createApiKeyResolver({ backend, load: loader.load, logger: silentLogger });
    await resolver.resolve(KEY);
    const before = peeks;
    expect(await resolver.resolve(KEY)).toEqual({ apiKey: "ak_live", active: true });
    expect(peeks).toBe(before + 1);
    expect(resolver.stats()).toMatchObject({ hits: 1, loads: 1 });
  });

  it("a peek miss goes to get and the loader, and concurrent misses share one load", async () => {
    const { backend, calls } = countedBackend();
    const loader = countedLoader({ [HASH]: { apiKey: "ak_live", active: true } });
    const resolver = createApiKeyResolver({ backend, load: loader.load, logger: silentLogger });
    const answers = await Promise.all(Array.from({ length: 8 }, () => resolver.resolve(KEY)));
    for (const answer of answers) expect(answer).toEqual({ apiKey: "ak_live", active: true });
    // Every waiter shares the one loaded object, so it is frozen too.
    expect(Object.isFrozen(answers[0])).toBe(true);
    expect(loader.loads).toBe(1);
    expect(calls.get).toBe(8);
    expect(resolver.stats()).toMatchObject({ misses: 8, loads: 1, hits: 0 });
  });

  it("the not-found marker is a negative hit through peek: undefined, counted, no load", async () => {
    const { backend, calls } = countedBackend();
    const loader = countedLoader({});
    const resolver = createApiKeyResolver({ backend, load: loader.load, logger: silentLogger });
    expect(await resolver.resolve("sk_unknown")).toBeUndefined();
    const gets = calls.get;
    expect(await resolver.resolve("sk_unknown")).toBeUndefined();
    expect(calls.get).toBe(gets);
    expect(loader.loads).toBe(1);
    expect(resolver.stats()).toMatchObject({ negativeHits: 1, misses: 1 });
  });

  it("a tombstone is served through peek as the inactive marker", async () => {
    const { backend, calls } = countedBackend();
    const loader = countedLoader({ [HASH]: { apiKey: "ak_live", active: true } });
    const resolver = createApiKeyResolver({ backend, load: loader.load, logger: silentLogger });
    expect((await resolver.resolve(KEY))?.active).toBe(true);
    await resolver.revoke(HASH);
    const gets = calls.get;
    expect(await resolver.resolve(KEY)).toEqual(REVOKED_MARKER);
    expect(calls.get).toBe(gets);
    expect(loader.loads).toBe(1);
  });

  it("a record past its expiresAt is not served from peek: it is reloaded, and the stored entry wins inactive", async () => {
    const { backend, memory } = countedBackend();
    const loader = countedLoader({ [HASH]: { apiKey: "ak_live", active: true } });
    const resolver = createApiKeyResolver({ backend, load: loader.load, logger: silentLogger });
    const expiresAt = Date.now() - 1;
    await memory.set(HASH, { apiKey: "ak_old", active: true, expiresAt }, 60);
    const answer = await resolver.resolve(KEY);
    expect(answer).toEqual({ apiKey: "ak_old", active: false, expiresAt });
    expect(Object.isFrozen(answer)).toBe(true);
    expect(loader.loads).toBe(1);
    expect(resolver.stats()).toMatchObject({ hits: 0, misses: 1 });
  });

  it("a hit with freshness on is the record without _freshUntil, the same frozen view each time", async () => {
    const { backend } = countedBackend();
    const loader = countedLoader({ [HASH]: { apiKey: "ak_live", active: true } });
    const resolver = createApiKeyResolver({
      backend,
      load: loader.load,
      staleIfErrorSeconds: 30,
      logger: silentLogger,
    });
    await resolver.resolve(KEY);
    const first = await resolver.resolve(KEY);
    const second = await resolver.resolve(KEY);
    expect(first).toEqual({ apiKey: "ak_live", active: true });
    expect(first).toBe(second);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it("a hit near its logical expiry through peek starts one background refresh", async () => {
    const { backend, calls } = countedBackend();
    const loader = countedLoader({ [HASH]: { apiKey: "ak_live", active: true } });
    const resolver = createApiKeyResolver({
      backend,
      load: loader.load,
      ttlSeconds: 1,
      refreshAheadSeconds: 0.9,
      logger: silentLogger,
    });
    await resolver.resolve(KEY);
    await sleep(150);
    const gets = calls.get;
    await Promise.all(Array.from({ length: 5 }, () => resolver.resolve(KEY)));
    expect(calls.get).toBe(gets);
    const deadline = performance.now() + 2_000;
    while (loader.loads < 2 && performance.now() < deadline) await sleep(5);
    expect(loader.loads).toBe(2);
    expect(resolver.stats()).toMatchObject({ refreshes: 1, hits: 5 });
  });

  it("a logically expired record goes the async path: reloaded, and served stale if the reload fails", async () => {
    const { backend, memory } = countedBackend();
    let failing = false;
    const resolver = createApiKeyResolver({
      backend,
      load: async () => {
        if (failing) throw new Error("database down");
        return { apiKey: "ak_live", active: true };
      },
      staleIfErrorSeconds: 60,
      logger: silentLogger,
    });
    await memory.set(HASH, { apiKey: "ak_live", active: true, _freshUntil: Date.now() - 1 }, 60);
    failing = true;
    const stale = await resolver.resolve(KEY);
    expect(stale).toEqual({ apiKey: "ak_live", active: true });
    expect(resolver.stats()).toMatchObject({ staleServed: 1, hits: 0, misses: 1 });
  });

  it("while the circuit is open, peek is not used: lookups bypass the cache as before", async () => {
    const { backend, calls, control } = countedBackend();
    const loader = countedLoader({ [HASH]: { apiKey: "ak_live", active: true } });
    const resolver = createApiKeyResolver({
      backend,
      load: loader.load,
      circuitFailureThreshold: 1,
      circuitProbeMs: 60_000,
      circuitProbeMaxMs: 60_000,
      logger: silentLogger,
    });
    await resolver.resolve(KEY);
    // A cold key: its peek misses, its get fails, which opens the circuit.
    control.getError = new Error("store down");
    await resolver.resolve("sk_other");
    expect(resolver.stats().circuit).toBe("open");
    const peeks = calls.peek;
    expect(await resolver.resolve(KEY)).toEqual({ apiKey: "ak_live", active: true });
    expect(calls.peek).toBe(peeks);
    expect(resolver.stats().bypasses).toBeGreaterThanOrEqual(1);
  });

  it("a peek that throws falls back to get, whose failure is handled as a read failure", async () => {
    const { backend, control } = countedBackend();
    backend.peek = () => {
      throw new Error("peek exploded");
    };
    control.getError = new Error("store down");
    const loader = countedLoader({ [HASH]: { apiKey: "ak_live", active: true } });
    const resolver = createApiKeyResolver({ backend, load: loader.load, logger: silentLogger });
    expect(await resolver.resolve(KEY)).toEqual({ apiKey: "ak_live", active: true });
    expect(resolver.stats()).toMatchObject({ backendErrors: 1, bypasses: 1 });
  });

  it("publishes one resolve event for a peek hit only while someone listens", async () => {
    const { backend } = countedBackend();
    const loader = countedLoader({ [HASH]: { apiKey: "ak_live", active: true } });
    const resolver = createApiKeyResolver({ backend, load: loader.load, logger: silentLogger });
    await resolver.resolve(KEY);
    const events: ResolveEvent[] = [];
    const listener = (message: unknown): void => {
      events.push(message as ResolveEvent);
    };
    subscribe(DIAGNOSTICS_CHANNELS.resolve, listener);
    try {
      await resolver.resolve(KEY);
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.resolve, listener);
    }
    await resolver.resolve(KEY);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ keyHash: HASH, outcome: "hit", active: true });
  });
});
