import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  isApiKeyCacheError,
  RESOLVER_DEFAULTS,
  REVOKED_MARKER,
  silentLogger,
} from "@apikey/core";
import { describe, expect, it } from "vitest";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until `count` loads are parked at their gate, at most 2 s. */
async function waitForGates(gates: unknown[], count: number): Promise<void> {
  const deadline = performance.now() + 2_000;
  while (gates.length < count && performance.now() < deadline) await sleep(1);
}

/** A memory backend without setIfAbsentGet, to exercise the setIfAbsent-then-get path. */
function withoutSetIfAbsentGet(memory: InMemoryApiKeyCacheBackend): ApiKeyCacheBackend {
  return {
    get: (key) => memory.get(key),
    set: (key, value, ttl) => memory.set(key, value, ttl),
    setIfAbsent: (key, value, ttl) => memory.setIfAbsent(key, value, ttl),
    delete: (key) => memory.delete(key),
    clear: () => memory.clear(),
    close: () => memory.close(),
  };
}

describe("revoke()", () => {
  it("writes the tombstone for max(ttlSeconds, 2 × loadTimeoutMs) and resolve returns it inactive", async () => {
    let now = 0;
    const backend = new InMemoryApiKeyCacheBackend({ now: () => now });
    const resolver = createApiKeyResolver({
      backend,
      load: async () => ({ apiKey: "sk", active: true }),
      ttlSeconds: 2,
      loadTimeoutMs: 5_000,
      logger: silentLogger,
    });
    const keyHash = hashApiKey("sk-revoke");
    await resolver.revoke(keyHash);
    expect(await backend.get(keyHash)).toEqual(REVOKED_MARKER);
    const result = await resolver.resolve("sk-revoke");
    expect(result).toEqual({ apiKey: "", active: false, state: "revoked" });
    now = 9_999;
    expect(await backend.get(keyHash)).toEqual(REVOKED_MARKER);
    now = 10_000;
    expect(await backend.get(keyHash)).toBeUndefined();
    expect(RESOLVER_DEFAULTS.ttlSeconds).toBe(60);
  });

  it("a load in flight that read active cannot overwrite the tombstone, and its late waiters see the stored entry", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    // The peer's load reads "active", then stalls until released.
    let startedResolve: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      startedResolve = resolve;
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const peerResolver = createApiKeyResolver({
      backend,
      load: async (): Promise<CachedApiKey> => {
        startedResolve();
        await gate;
        return { apiKey: "sk", active: true };
      },
      logger: silentLogger,
    });
    const revoker = createApiKeyResolver({
      backend,
      load: async () => ({ apiKey: "sk", active: false }),
      logger: silentLogger,
    });
    const early = peerResolver.resolve("sk-inflight");
    await started;
    await revoker.revoke(hashApiKey("sk-inflight"));
    release();
    // The peer's load finds the tombstone with setIfAbsentGet: the stored entry wins.
    expect((await early)?.active).toBe(false);
    expect(await backend.get(hashApiKey("sk-inflight"))).toEqual(REVOKED_MARKER);
    expect((await peerResolver.resolve("sk-inflight"))?.active).toBe(false);
  });

  it("a resolve started after revoke() never joins a load started before it", async () => {
    // A store whose reads always miss (the tombstone evicted at once): only the single-flight
    // detach stands between a later resolve and the stale load.
    const memory = new InMemoryApiKeyCacheBackend();
    const forgetful: ApiKeyCacheBackend = {
      ...withoutSetIfAbsentGet(memory),
      get: async () => undefined,
      setIfAbsent: async () => true,
    };
    let loads = 0;
    const gates: Array<() => void> = [];
    const revoked = { value: false };
    const resolver = createApiKeyResolver({
      backend: forgetful,
      load: async (): Promise<CachedApiKey> => {
        loads++;
        const active = !revoked.value;
        await new Promise<void>((resolve) => gates.push(resolve));
        return { apiKey: "sk", active };
      },
      logger: silentLogger,
    });
    const early = resolver.resolve("sk-join");
    await waitForGates(gates, 1);
    revoked.value = true;
    await resolver.revoke(hashApiKey("sk-join"));
    const late = resolver.resolve("sk-join");
    await waitForGates(gates, 2);
    for (const open of gates) open();
    expect((await early)?.active).toBe(true);
    expect((await late)?.active).toBe(false);
    expect(loads).toBe(2);
  });

  it("a resolve started after invalidate() does not join a load started before it", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const gates: Array<() => void> = [];
    const record = { value: { apiKey: "sk", active: false } as CachedApiKey };
    const resolver = createApiKeyResolver({
      backend,
      load: async (): Promise<CachedApiKey> => {
        const snapshot = record.value;
        await new Promise<void>((resolve) => gates.push(resolve));
        return snapshot;
      },
      logger: silentLogger,
    });
    const early = resolver.resolve("sk-reenable");
    await waitForGates(gates, 1);
    record.value = { apiKey: "sk", active: true };
    await resolver.invalidate(hashApiKey("sk-reenable"));
    const late = resolver.resolve("sk-reenable");
    await waitForGates(gates, 2);
    for (const open of gates) open();
    expect((await early)?.active).toBe(false);
    expect((await late)?.active).toBe(true);
    // The detached early load did not write its stale answer.
    expect(await backend.get(hashApiKey("sk-reenable"))).toEqual({ apiKey: "sk", active: true });
  });

  it("rejects with E_BACKEND_UNAVAILABLE when the store does not acknowledge the tombstone", async () => {
    const memory = new InMemoryApiKeyCacheBackend();
    const failing: ApiKeyCacheBackend = {
      ...withoutSetIfAbsentGet(memory),
      set: async () => {
        throw new Error("connection reset");
      },
    };
    const resolver = createApiKeyResolver({
      backend: failing,
      load: async () => undefined,
      logger: silentLogger,
    });
    const error = await resolver.revoke(hashApiKey("sk")).catch((caught: unknown) => caught);
    expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE")).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it("rejects when the store never answers, within writeTimeoutMs", async () => {
    const memory = new InMemoryApiKeyCacheBackend();
    const hung: ApiKeyCacheBackend = {
      ...withoutSetIfAbsentGet(memory),
      set: () => new Promise<void>(() => {}),
    };
    const resolver = createApiKeyResolver({
      backend: hung,
      load: async () => undefined,
      writeTimeoutMs: 50,
      logger: silentLogger,
    });
    const started = performance.now();
    const error = await resolver.revoke(hashApiKey("sk")).catch((caught: unknown) => caught);
    expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE")).toBe(true);
    expect(performance.now() - started).toBeLessThan(50 + 1_000);
    expect(resolver.stats().timeouts).toBe(1);
  });

  it("revoke(h, { wait: true }) also waits the backend's maxStalenessMs", async () => {
    const memory = new InMemoryApiKeyCacheBackend();
    const stale: ApiKeyCacheBackend = Object.assign(withoutSetIfAbsentGet(memory), {
      maxStalenessMs: 200,
    });
    const resolver = createApiKeyResolver({
      backend: stale,
      load: async () => undefined,
      logger: silentLogger,
    });
    let started = performance.now();
    await resolver.revoke(hashApiKey("a"));
    expect(performance.now() - started).toBeLessThan(200);
    started = performance.now();
    await resolver.revoke(hashApiKey("b"), { wait: true });
    // Never early: the wait is measured on the monotonic clock, not trusted to one timer.
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
  });

  it("rejects an empty key hash with E_INVALID_KEY", async () => {
    const resolver = createApiKeyResolver({
      backend: new InMemoryApiKeyCacheBackend(),
      load: async () => undefined,
      logger: silentLogger,
    });
    await expect(resolver.revoke("")).rejects.toMatchObject({ code: "E_INVALID_KEY" });
    await expect(resolver.invalidate("")).rejects.toMatchObject({ code: "E_INVALID_KEY" });
  });
});
