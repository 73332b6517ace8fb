import { createHmac } from "node:crypto";
import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  isApiKeyCacheError,
  NOT_FOUND_MARKER,
  silentLogger,
} from "@apikey/core";
import { describe, expect, it } from "vitest";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A database of plaintext → record, looked up by hash, counting loads per hash. */
function fakeDatabase(records: Record<string, CachedApiKey> = {}, delayMs = 5) {
  const byHash = new Map(Object.entries(records).map(([plain, rec]) => [hashApiKey(plain), rec]));
  const loadsPerHash = new Map<string, number>();
  return {
    byHash,
    loadsPerHash,
    get totalLoads(): number {
      let total = 0;
      for (const count of loadsPerHash.values()) total += count;
      return total;
    },
    load: async (keyHash: string): Promise<CachedApiKey | undefined> => {
      loadsPerHash.set(keyHash, (loadsPerHash.get(keyHash) ?? 0) + 1);
      await sleep(delayMs);
      const record = byHash.get(keyHash);
      return record === undefined ? undefined : { ...record };
    },
  };
}

describe("createApiKeyResolver: single flight", () => {
  it("1,000 concurrent resolves of one key make exactly one load", async () => {
    const db = fakeDatabase({ "sk-live-1": { apiKey: "sk-live", active: true } }, 20);
    const resolver = createApiKeyResolver({
      backend: new InMemoryApiKeyCacheBackend(),
      load: db.load,
      logger: silentLogger,
    });
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => resolver.resolve("sk-live-1")),
    );
    expect(db.totalLoads).toBe(1);
    for (const result of results) expect(result).toEqual({ apiKey: "sk-live", active: true });
    const stats = resolver.stats();
    expect(stats.loads).toBe(1);
    expect(stats.misses).toBe(1000);
    // Later resolves are cache hits.
    await resolver.resolve("sk-live-1");
    expect(resolver.stats().hits).toBe(1);
  });

  it("a load that throws reaches every waiter and nothing is cached", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    let calls = 0;
    const boom = new Error("database down");
    const resolver = createApiKeyResolver({
      backend,
      load: async () => {
        calls++;
        await sleep(10);
        throw boom;
      },
      logger: silentLogger,
    });
    const settled = await Promise.allSettled(
      Array.from({ length: 50 }, () => resolver.resolve("sk-any")),
    );
    expect(calls).toBe(1);
    for (const outcome of settled) {
      expect(outcome.status).toBe("rejected");
      if (outcome.status === "rejected") expect(outcome.reason).toBe(boom);
    }
    expect(await backend.get(hashApiKey("sk-any"))).toBeUndefined();
    expect(resolver.stats().loadErrors).toBe(1);
    // Not cached: the next resolve loads again.
    await expect(resolver.resolve("sk-any")).rejects.toBe(boom);
    expect(calls).toBe(2);
  });

  it("a load past loadTimeoutMs rejects with E_LOAD_TIMEOUT and its late answer is not cached", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    let finished = false;
    const resolver = createApiKeyResolver({
      backend,
      loadTimeoutMs: 30,
      load: async () => {
        await sleep(150);
        finished = true;
        return { apiKey: "late", active: true };
      },
      logger: silentLogger,
    });
    const error = await resolver.resolve("sk-slow").catch((caught: unknown) => caught);
    expect(isApiKeyCacheError(error, "E_LOAD_TIMEOUT")).toBe(true);
    const deadline = performance.now() + 2_000;
    while (!finished && performance.now() < deadline) await sleep(10);
    expect(finished).toBe(true);
    await sleep(5);
    expect(await backend.get(hashApiKey("sk-slow"))).toBeUndefined();
    expect(resolver.stats().loadErrors).toBe(1);
  });

  it("a loader returning something that is not a record is a load error, not cached", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const resolver = createApiKeyResolver({
      backend,
      load: async () => ({ apiKey: 42, active: "yes" }) as unknown as CachedApiKey,
      logger: silentLogger,
    });
    const error = await resolver.resolve("sk-bad").catch((caught: unknown) => caught);
    expect(isApiKeyCacheError(error, "E_INVALID_VALUE")).toBe(true);
    expect(await backend.get(hashApiKey("sk-bad"))).toBeUndefined();
  });
});

describe("createApiKeyResolver: negative cache", () => {
  it("10,000 distinct unknown keys load once each and the memory backend stays bounded", async () => {
    const backend = new InMemoryApiKeyCacheBackend({
      maxEntries: 2_000,
      maxNegativeEntries: 2_000,
    });
    const db = fakeDatabase({}, 0);
    const resolver = createApiKeyResolver({
      backend,
      load: db.load,
      negativeTtlSeconds: 30,
      logger: silentLogger,
    });
    const keys = Array.from({ length: 10_000 }, (_, index) => `sk-random-${index}`);
    for (let start = 0; start < keys.length; start += 500) {
      const batch = keys.slice(start, start + 500);
      const results = await Promise.all(batch.map((key) => resolver.resolve(key)));
      for (const result of results) expect(result).toBeUndefined();
      expect(backend.size).toBeLessThanOrEqual(2_000);
    }
    expect(db.loadsPerHash.size).toBe(10_000);
    for (const count of db.loadsPerHash.values()) expect(count).toBe(1);
    // The most recent ones are still negatively cached: no second load inside the negative TTL.
    const recent = keys.slice(-1_000);
    for (const result of await Promise.all(recent.map((key) => resolver.resolve(key)))) {
      expect(result).toBeUndefined();
    }
    for (const key of recent) expect(db.loadsPerHash.get(hashApiKey(key))).toBe(1);
    expect(resolver.stats().negativeHits).toBe(1_000);
    expect(backend.size).toBeLessThanOrEqual(2_000);
  });

  it("stores the not-found marker for negativeTtlSeconds and resolves it to undefined", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const db = fakeDatabase({}, 0);
    const resolver = createApiKeyResolver({
      backend,
      load: db.load,
      negativeTtlSeconds: 0.1,
      logger: silentLogger,
    });
    expect(await resolver.resolve("sk-unknown")).toBeUndefined();
    expect(await backend.get(hashApiKey("sk-unknown"))).toEqual(NOT_FOUND_MARKER);
    expect(await resolver.resolve("sk-unknown")).toBeUndefined();
    expect(db.totalLoads).toBe(1);
    await sleep(150);
    expect(await resolver.resolve("sk-unknown")).toBeUndefined();
    expect(db.totalLoads).toBe(2);
  });

  it("a loader answering null counts as unknown", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const resolver = createApiKeyResolver({
      backend,
      load: async () => null as unknown as undefined,
      logger: silentLogger,
    });
    expect(await resolver.resolve("sk-null")).toBeUndefined();
    expect(await backend.get(hashApiKey("sk-null"))).toEqual(NOT_FOUND_MARKER);
  });

  it("negativeTtlSeconds: 0 caches nothing for unknown keys", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const db = fakeDatabase({}, 0);
    const resolver = createApiKeyResolver({
      backend,
      load: db.load,
      negativeTtlSeconds: 0,
      logger: silentLogger,
    });
    await resolver.resolve("sk-nope");
    await resolver.resolve("sk-nope");
    expect(db.totalLoads).toBe(2);
    expect(backend.size).toBe(0);
  });
});

describe("createApiKeyResolver: expiresAt", () => {
  it("never caches a record past its expiresAt", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const expiresAt = Date.now() + 150;
    const db = fakeDatabase({ "sk-exp": { apiKey: "sk-exp", active: true, expiresAt } }, 0);
    const resolver = createApiKeyResolver({
      backend,
      load: db.load,
      ttlSeconds: 60,
      logger: silentLogger,
    });
    expect((await resolver.resolve("sk-exp"))?.active).toBe(true);
    expect((await backend.get(hashApiKey("sk-exp")))?.active).toBe(true);
    await sleep(Math.max(0, expiresAt - Date.now()) + 30);
    // The cache entry expired with the record; the reload is past expiresAt: inactive, not cached.
    expect(await backend.get(hashApiKey("sk-exp"))).toBeUndefined();
    const after = await resolver.resolve("sk-exp");
    expect(after).toMatchObject({ apiKey: "sk-exp", active: false, expiresAt });
    expect(await backend.get(hashApiKey("sk-exp"))).toBeUndefined();
  });

  it("a cached record already past its expiresAt is treated as expired and never returned active", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const keyHash = hashApiKey("sk-stale");
    const expiresAt = Date.now() - 1_000;
    // Written by someone else with a TTL longer than the record's own life.
    await backend.set(keyHash, { apiKey: "sk-stale", active: true, expiresAt }, 60);
    const db = fakeDatabase({ "sk-stale": { apiKey: "sk-stale", active: true, expiresAt } }, 0);
    const resolver = createApiKeyResolver({ backend, load: db.load, logger: silentLogger });
    const result = await resolver.resolve("sk-stale");
    expect(result?.active).toBe(false);
    expect(db.totalLoads).toBe(1);
    expect(resolver.stats().hits).toBe(0);
  });
});

describe("createApiKeyResolver: input", () => {
  it("a plaintext longer than maxKeyLength resolves to undefined without a lookup or a load", async () => {
    const reads: string[] = [];
    const memory = new InMemoryApiKeyCacheBackend();
    const backend: ApiKeyCacheBackend = {
      get: (key) => {
        reads.push(key);
        return memory.get(key);
      },
      set: (key, value, ttl) => memory.set(key, value, ttl),
      setIfAbsent: (key, value, ttl) => memory.setIfAbsent(key, value, ttl),
      delete: (key) => memory.delete(key),
      clear: () => memory.clear(),
      close: () => memory.close(),
    };
    const db = fakeDatabase({}, 0);
    const resolver = createApiKeyResolver({
      backend,
      load: db.load,
      maxKeyLength: 16,
      logger: silentLogger,
    });
    expect(await resolver.resolve("x".repeat(17))).toBeUndefined();
    expect(await resolver.resolve("")).toBeUndefined();
    expect(await resolver.resolve(undefined as unknown as string)).toBeUndefined();
    expect(reads).toEqual([]);
    expect(db.totalLoads).toBe(0);
    expect(await resolver.resolve("x".repeat(16))).toBeUndefined();
    expect(reads).toHaveLength(1);
    expect(db.totalLoads).toBe(1);
  });

  it("the hash option decides the cache key (HMAC with a pepper)", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const pepper = "pepper-for-tests";
    const hmac = (plaintext: string): string =>
      createHmac("sha256", pepper).update(plaintext).digest("hex");
    const seen: string[] = [];
    const resolver = createApiKeyResolver({
      backend,
      hash: hmac,
      load: async (keyHash) => {
        seen.push(keyHash);
        return { apiKey: "sk-pep", active: true };
      },
      logger: silentLogger,
    });
    await resolver.resolve("sk-pep-plain");
    expect(seen).toEqual([hmac("sk-pep-plain")]);
    expect(await backend.get(hmac("sk-pep-plain"))).toEqual({ apiKey: "sk-pep", active: true });
    expect(await backend.get(hashApiKey("sk-pep-plain"))).toBeUndefined();
  });

  it("never stores or logs the plaintext key", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const logged: string[] = [];
    const capture = (message: string, ...details: unknown[]): void => {
      logged.push(message, ...details.map((detail) => String(detail)));
    };
    const resolver = createApiKeyResolver({
      backend,
      load: async () => {
        throw new Error("no database");
      },
      logger: { debug: capture, info: capture, warn: capture, error: capture },
    });
    const plaintext = "sk-secret-plaintext-value";
    await resolver.resolve(plaintext).catch(() => undefined);
    await resolver.revoke(hashApiKey(plaintext));
    expect(logged.join("\n")).not.toContain(plaintext);
    expect(await backend.get(plaintext)).toBeUndefined();
  });

  it("rejects bad options with E_CONFIG naming the option", () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const load = async (): Promise<undefined> => undefined;
    const bad: Array<[string, Record<string, unknown>]> = [
      ["backend", { backend: {}, load }],
      ["load", { backend }],
      ["ttlSeconds", { backend, load, ttlSeconds: 0 }],
      ["negativeTtlSeconds", { backend, load, negativeTtlSeconds: -1 }],
      ["timeoutMs", { backend, load, timeoutMs: Number.NaN }],
      ["loadTimeoutMs", { backend, load, loadTimeoutMs: Number.POSITIVE_INFINITY }],
      ["maxKeyLength", { backend, load, maxKeyLength: 1.5 }],
      ["ttlJitter", { backend, load, ttlJitter: 1 }],
      ["circuitFailureThreshold", { backend, load, circuitFailureThreshold: 0 }],
    ];
    for (const [option, options] of bad) {
      let caught: unknown;
      try {
        createApiKeyResolver(options as never);
      } catch (error) {
        caught = error;
      }
      expect(isApiKeyCacheError(caught, "E_CONFIG"), option).toBe(true);
      expect((caught as Error).message).toContain(option);
    }
  });
});

describe("createApiKeyResolver: TTL and stats", () => {
  it("ttlJitter only ever shortens the TTL", async () => {
    let now = 0;
    const backend = new InMemoryApiKeyCacheBackend({ now: () => now });
    const db = fakeDatabase({}, 0);
    for (let index = 0; index < 20; index++) db.byHash.set(hashApiKey(`k${index}`), jitterRecord);
    const resolver = createApiKeyResolver({
      backend,
      load: db.load,
      ttlSeconds: 10,
      ttlJitter: 0.5,
      logger: silentLogger,
    });
    for (let index = 0; index < 20; index++) await resolver.resolve(`k${index}`);
    now = 4_999;
    expect(backend.size).toBe(20);
    now = 10_000;
    expect(backend.size).toBe(0);
  });

  it("stats() counts hits, misses, negative hits and loads", async () => {
    const db = fakeDatabase({ "sk-a": { apiKey: "sk-a", active: true } }, 0);
    const resolver = createApiKeyResolver({
      backend: new InMemoryApiKeyCacheBackend(),
      load: db.load,
      logger: silentLogger,
    });
    await resolver.resolve("sk-a");
    await resolver.resolve("sk-a");
    await resolver.resolve("sk-b");
    await resolver.resolve("sk-b");
    expect(resolver.stats()).toEqual({
      hits: 1,
      misses: 2,
      negativeHits: 1,
      bypasses: 0,
      loads: 2,
      loadErrors: 0,
      backendErrors: 0,
      timeouts: 0,
      lateTimeouts: 0,
      staleServed: 0,
      refreshes: 0,
      circuit: "closed",
      circuitOpens: 0,
    });
  });

  it("invalidate() drops the entry so the next resolve reloads", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const db = fakeDatabase({}, 0);
    const resolver = createApiKeyResolver({ backend, load: db.load, logger: silentLogger });
    expect(await resolver.resolve("sk-new")).toBeUndefined();
    db.byHash.set(hashApiKey("sk-new"), { apiKey: "sk-new", active: true });
    expect(await resolver.resolve("sk-new")).toBeUndefined();
    await resolver.invalidate(hashApiKey("sk-new"));
    expect(await resolver.resolve("sk-new")).toEqual({ apiKey: "sk-new", active: true });
    expect(db.totalLoads).toBe(2);
  });
});

const jitterRecord: CachedApiKey = { apiKey: "jitter", active: true };
