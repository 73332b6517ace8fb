import {
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  REVOKED_MARKER,
  silentLogger,
} from "@apikey/core";
import { describe, expect, it } from "vitest";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A loader whose calls wait until released; each answers `{ apiKey, active, version }`. */
function gatedLoader() {
  const pending: Array<() => void> = [];
  let version = 0;
  let gated = false;
  return {
    pending,
    set gated(value: boolean) {
      gated = value;
    },
    release(): void {
      for (const resolve of pending.splice(0)) resolve();
    },
    load: async (keyHash: string): Promise<CachedApiKey> => {
      version++;
      const answer = { apiKey: keyHash.slice(0, 8), active: true, version };
      if (gated) await new Promise<void>((resolve) => pending.push(resolve));
      return answer;
    },
  };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error("condition not met in time");
    await sleep(2);
  }
}

describe("refreshAheadSeconds", () => {
  it("a hit near expiry answers at once and reloads once in the background", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const loader = gatedLoader();
    const resolver = createApiKeyResolver({
      backend,
      load: loader.load,
      ttlSeconds: 1,
      refreshAheadSeconds: 0.9,
      logger: silentLogger,
    });
    expect(await resolver.resolve("sk_a")).toMatchObject({ version: 1 });
    await sleep(150);
    loader.gated = true;
    // Ten hits inside the window: each answered from the cache, one refresh between them.
    const answers = await Promise.all(Array.from({ length: 10 }, () => resolver.resolve("sk_a")));
    for (const answer of answers)
      expect(answer).toEqual({ apiKey: expect.any(String), active: true, version: 1 });
    expect(loader.pending).toHaveLength(1);
    expect(resolver.stats().refreshes).toBe(1);
    loader.release();
    await until(async () => (await backend.get(hashApiKey("sk_a")))?.version === 2);
  });

  it("runs at most refreshAheadConcurrency refreshes at once, skipping the rest", async () => {
    const loader = gatedLoader();
    const resolver = createApiKeyResolver({
      backend: new InMemoryApiKeyCacheBackend(),
      load: loader.load,
      ttlSeconds: 1,
      refreshAheadSeconds: 0.9,
      refreshAheadConcurrency: 2,
      logger: silentLogger,
    });
    const keys = ["sk_1", "sk_2", "sk_3", "sk_4", "sk_5"];
    for (const key of keys) await resolver.resolve(key);
    await sleep(150);
    loader.gated = true;
    for (const key of keys) await resolver.resolve(key);
    expect(loader.pending).toHaveLength(2);
    expect(resolver.stats().refreshes).toBe(2);
    loader.release();
  });

  it("a refresh whose load read 'active' before a revoke never overwrites the tombstone", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const loader = gatedLoader();
    const resolver = createApiKeyResolver({
      backend,
      load: loader.load,
      ttlSeconds: 1,
      refreshAheadSeconds: 0.9,
      logger: silentLogger,
    });
    const hash = hashApiKey("sk_r");
    await resolver.resolve("sk_r");
    await sleep(150);
    loader.gated = true;
    await resolver.resolve("sk_r"); // starts the refresh; its load is now held
    expect(loader.pending).toHaveLength(1);
    await resolver.revoke(hash);
    loader.release();
    await until(() => loader.pending.length === 0);
    await sleep(20);
    expect(await backend.get(hash)).toEqual(REVOKED_MARKER);
    expect(await resolver.resolve("sk_r")).toEqual(REVOKED_MARKER);
  });

  it("entries written without freshness (other writers, older versions) are plain hits", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const loader = gatedLoader();
    const resolver = createApiKeyResolver({
      backend,
      load: loader.load,
      ttlSeconds: 1,
      refreshAheadSeconds: 0.9,
      logger: silentLogger,
    });
    const record = { apiKey: "pk_old", active: true };
    await backend.set(hashApiKey("sk_old"), record, 0.2);
    expect(await resolver.resolve("sk_old")).toEqual(record);
    expect(resolver.stats().refreshes).toBe(0);
  });
});
