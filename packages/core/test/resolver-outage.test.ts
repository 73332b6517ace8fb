import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  createApiKeyResolver,
  InMemoryApiKeyCacheBackend,
  silentLogger,
} from "@apikey/core";
import { describe, expect, it } from "vitest";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Mode = "healthy" | "hung" | "failing";

/** A memory backend that can be switched to never answer, or to fail every call. */
function faultyBackend() {
  const memory = new InMemoryApiKeyCacheBackend();
  const state = { mode: "healthy" as Mode, calls: 0 };
  const guard = <T>(call: () => Promise<T>): Promise<T> => {
    state.calls++;
    if (state.mode === "hung") return new Promise<T>(() => {});
    if (state.mode === "failing") return Promise.reject(new Error("ECONNREFUSED"));
    return call();
  };
  const backend: ApiKeyCacheBackend = {
    get: (key) => guard(() => memory.get(key)),
    set: (key, value, ttl) => guard(() => memory.set(key, value, ttl)),
    setIfAbsent: (key, value, ttl) => guard(() => memory.setIfAbsent(key, value, ttl)),
    setIfAbsentGet: (key, value, ttl) => guard(() => memory.setIfAbsentGet(key, value, ttl)),
    delete: (key) => guard(() => memory.delete(key)),
    clear: () => guard(() => memory.clear()),
    close: () => memory.close(),
  };
  return { backend, memory, state };
}

const LOAD_MS = 10;
const load = async (keyHash: string): Promise<CachedApiKey> => {
  await sleep(LOAD_MS);
  return { apiKey: keyHash.slice(0, 6), active: true };
};

/** Resolve `plaintext` and return how long it took. */
async function timed(run: () => Promise<unknown>): Promise<{ ms: number; value: unknown }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

describe("createApiKeyResolver: cache outage", () => {
  it("a cache that never answers is bypassed after timeoutMs; distinct failures over time open the breaker, probes back off, a probe closes it", async () => {
    const { backend, state } = faultyBackend();
    // Long enough that a loaded machine's timer lag is not taken for a blocked event loop.
    const timeoutMs = 200;
    const resolver = createApiKeyResolver({
      backend,
      load,
      timeoutMs,
      circuitFailureThreshold: 3,
      circuitFailureSliceMs: 300,
      circuitProbeMs: 400,
      circuitProbeMaxMs: 800,
      logger: silentLogger,
    });
    state.mode = "hung";

    // Each call pays the read deadline and the loader answers; timeouts less than 300 ms apart
    // count once, so three distinct failures take at least 600 ms of a hung cache.
    const started = performance.now();
    let calls = 0;
    while (resolver.stats().circuit === "closed" && calls < 50) {
      const { ms, value } = await timed(() => resolver.resolve(`sk-outage-${calls}`));
      expect(value).toMatchObject({ active: true });
      expect(ms).toBeLessThan(timeoutMs + LOAD_MS + 1_000);
      calls++;
    }
    expect(resolver.stats()).toMatchObject({ circuit: "open", circuitOpens: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(600);
    expect(resolver.stats().timeouts).toBe(calls);
    expect(calls).toBeGreaterThan(3);

    // Open: later calls do not touch the cache, so they cannot pay its timeout.
    const callsWhenOpened = state.calls;
    for (let index = 0; index < 5; index++) {
      expect(await resolver.resolve(`sk-open-${index}`)).toMatchObject({ active: true });
    }
    expect(state.calls).toBe(callsWhenOpened);
    expect(resolver.stats()).toMatchObject({ timeouts: calls, circuit: "open" });

    // After circuitProbeMs one probe goes through; it times out, so the circuit opens again.
    await sleep(420);
    expect(await resolver.resolve("sk-probe-1")).toMatchObject({ active: true });
    expect(state.calls).toBe(callsWhenOpened + 1);
    expect(resolver.stats()).toMatchObject({
      timeouts: calls + 1,
      circuit: "open",
      circuitOpens: 1,
    });
    // The next probe waits twice as long (800 ms, the cap): 420 ms later the cache is still skipped.
    await sleep(420);
    await resolver.resolve("sk-probe-2");
    expect(state.calls).toBe(callsWhenOpened + 1);

    // The cache recovers: the next probe succeeds and closes the circuit.
    state.mode = "healthy";
    const deadline = performance.now() + 3_000;
    while (resolver.stats().circuit !== "closed" && performance.now() < deadline) {
      await resolver.resolve("sk-recovered");
      await sleep(20);
    }
    expect(resolver.stats().circuit).toBe("closed");
    // And the cache is used again: a second resolve of the same key is a hit.
    await resolver.resolve("sk-recovered-2");
    const hitsBefore = resolver.stats().hits;
    await resolver.resolve("sk-recovered-2");
    expect(resolver.stats().hits).toBe(hitsBefore + 1);
  });

  it("a failing cache never turns a valid key into a failed request", async () => {
    const { backend, state } = faultyBackend();
    const resolver = createApiKeyResolver({
      backend,
      load,
      circuitFailureThreshold: 1_000,
      logger: silentLogger,
    });
    state.mode = "failing";
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, index) => resolver.resolve(`sk-${index % 10}`)),
    );
    for (const result of results) expect(result).toMatchObject({ active: true });
    const stats = resolver.stats();
    expect(stats.backendErrors).toBe(100);
    expect(stats.bypasses).toBe(100);
    // Loads still share one flight per key.
    expect(stats.loads).toBe(10);
    expect(stats.circuit).toBe("closed");
  });

  it("100 concurrent resolves against a hung cache all answer within the read deadline plus the load; their one burst of timeouts is one failure", async () => {
    const { backend, state } = faultyBackend();
    const timeoutMs = 80;
    const resolver = createApiKeyResolver({
      backend,
      load,
      timeoutMs,
      logger: silentLogger,
    });
    state.mode = "hung";
    const { ms, value } = await timed(() =>
      Promise.all(Array.from({ length: 100 }, (_, index) => resolver.resolve(`sk-${index}`))),
    );
    expect(value as unknown[]).toHaveLength(100);
    for (const result of value as CachedApiKey[]) expect(result.active).toBe(true);
    expect(ms).toBeLessThan(timeoutMs + LOAD_MS + 1_000);
    // The 100 timeouts fired together: one failure, not enough to open the circuit.
    expect(resolver.stats()).toMatchObject({ timeouts: 100, circuit: "closed", circuitOpens: 0 });
  });

  it("a slow cache write-back does not delay the answer beyond its deadline", async () => {
    const { backend, memory } = faultyBackend();
    const slowWrites: ApiKeyCacheBackend = {
      ...backend,
      get: (key) => memory.get(key),
      setIfAbsentGet: () => new Promise(() => {}),
    };
    const timeoutMs = 50;
    const resolver = createApiKeyResolver({
      backend: slowWrites,
      load,
      timeoutMs,
      logger: silentLogger,
    });
    const { ms, value } = await timed(() => resolver.resolve("sk-slow-write"));
    expect(value).toMatchObject({ active: true });
    expect(ms).toBeLessThan(timeoutMs + LOAD_MS + 1_000);
    expect(resolver.stats().timeouts).toBe(1);
  });
});
