import {
  type ApiKeyCacheLogger,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  isApiKeyCacheError,
  REVOKED_MARKER,
  silentLogger,
} from "@apikey/core";
import { describe, expect, it } from "vitest";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const KEY = "sk_live_stale";
const HASH = hashApiKey(KEY);
const RECORD: CachedApiKey = { apiKey: "pk_stale", active: true };

/** A loader that answers `RECORD` until told to fail, then throws (or hangs). */
function flakyLoader() {
  const state = { mode: "ok" as "ok" | "throw" | "hang" | "unknown", calls: 0 };
  const load = async (): Promise<CachedApiKey | undefined> => {
    state.calls++;
    if (state.mode === "throw") throw new Error("database down");
    if (state.mode === "hang") return new Promise<never>(() => {});
    return state.mode === "unknown" ? undefined : { ...RECORD };
  };
  return { state, load };
}

function warnings(): ApiKeyCacheLogger & { lines: string[] } {
  const lines: string[] = [];
  return { ...silentLogger, lines, warn: (message: string) => lines.push(message) };
}

describe("staleIfErrorSeconds", () => {
  it("answers the last good record, without the reserved field, when the reload fails", async () => {
    const { state, load } = flakyLoader();
    const logger = warnings();
    const resolver = createApiKeyResolver({
      backend: new InMemoryApiKeyCacheBackend(),
      load,
      ttlSeconds: 0.1,
      staleIfErrorSeconds: 30,
      logger,
    });
    expect(await resolver.resolve(KEY)).toEqual(RECORD);
    await sleep(150);
    state.mode = "throw";
    for (let round = 0; round < 5; round++) expect(await resolver.resolve(KEY)).toEqual(RECORD);
    expect(resolver.stats().staleServed).toBe(5);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toContain("staleIfErrorSeconds");
    expect(logger.lines[0]).not.toContain(KEY);
  });

  it("a reload that misses loadTimeoutMs also falls back to the stale record", async () => {
    const { state, load } = flakyLoader();
    const resolver = createApiKeyResolver({
      backend: new InMemoryApiKeyCacheBackend(),
      load,
      ttlSeconds: 0.1,
      staleIfErrorSeconds: 30,
      loadTimeoutMs: 50,
      logger: silentLogger,
    });
    await resolver.resolve(KEY);
    await sleep(150);
    state.mode = "hang";
    expect(await resolver.resolve(KEY)).toEqual(RECORD);
  });

  it("keeps entries ttlSeconds + staleIfErrorSeconds, with the logical expiry in the record", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const { load } = flakyLoader();
    const resolver = createApiKeyResolver({
      backend,
      load,
      ttlSeconds: 10,
      staleIfErrorSeconds: 50,
      logger: silentLogger,
    });
    const before = Date.now();
    await resolver.resolve(KEY);
    const entry = await backend.getWithTtl(HASH);
    expect(entry?.ttlMs).toBeGreaterThan(55_000);
    expect(entry?.ttlMs).toBeLessThanOrEqual(60_000);
    // The stored JSON is still {apiKey, active, ...}: what the original Python module reads.
    expect(entry?.value.apiKey).toBe(RECORD.apiKey);
    expect(entry?.value.active).toBe(true);
    const freshUntil = entry?.value._freshUntil as number;
    expect(freshUntil).toBeGreaterThanOrEqual(before + 9_000);
    expect(freshUntil).toBeLessThanOrEqual(Date.now() + 10_000);
  });

  it("a record further past its expiry than the window is not answered", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    const { state, load } = flakyLoader();
    const resolver = createApiKeyResolver({
      backend,
      load,
      staleIfErrorSeconds: 5,
      logger: silentLogger,
    });
    // Still in the store, but 6 s past its logical expiry.
    await backend.set(HASH, { ...RECORD, _freshUntil: Date.now() - 6_000 }, 60);
    state.mode = "throw";
    await expect(resolver.resolve(KEY)).rejects.toThrow("database down");
    expect(resolver.stats().staleServed).toBe(0);
  });

  it("a tombstone is never replaced by a stale record, and a revoke during the reload wins", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    let release: (() => void) | undefined;
    let mode: "ok" | "gate" = "ok";
    const resolver = createApiKeyResolver({
      backend,
      load: async () => {
        if (mode === "gate") {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          throw new Error("database down");
        }
        return { ...RECORD };
      },
      ttlSeconds: 0.1,
      staleIfErrorSeconds: 30,
      logger: silentLogger,
    });
    await resolver.resolve(KEY);
    await sleep(150);
    mode = "gate";
    const during = resolver.resolve(KEY);
    await sleep(10);
    await resolver.revoke(HASH);
    release?.();
    // The flight was dropped by revoke: its failure is not papered over with the old record.
    await expect(during).rejects.toThrow("database down");
    expect(await resolver.resolve(KEY)).toEqual(REVOKED_MARKER);
    expect(await backend.get(HASH)).toEqual(REVOKED_MARKER);
  });

  it("a negative entry is not served stale", async () => {
    const { state, load } = flakyLoader();
    const resolver = createApiKeyResolver({
      backend: new InMemoryApiKeyCacheBackend(),
      load,
      negativeTtlSeconds: 0.1,
      staleIfErrorSeconds: 30,
      logger: silentLogger,
    });
    state.mode = "unknown";
    expect(await resolver.resolve(KEY)).toBeUndefined();
    await sleep(150);
    state.mode = "throw";
    await expect(resolver.resolve(KEY)).rejects.toThrow("database down");
  });

  it("once the loader answers again, the fresh record replaces the stale one", async () => {
    const backend = new InMemoryApiKeyCacheBackend();
    let record: CachedApiKey = { ...RECORD };
    const resolver = createApiKeyResolver({
      backend,
      load: async () => ({ ...record }),
      ttlSeconds: 0.1,
      staleIfErrorSeconds: 30,
      logger: silentLogger,
    });
    await resolver.resolve(KEY);
    await sleep(150);
    record = { apiKey: "pk_stale", active: false };
    expect(await resolver.resolve(KEY)).toEqual(record);
    const stored = await backend.get(HASH);
    expect(stored?.active).toBe(false);
    expect(stored?._freshUntil as number).toBeGreaterThan(Date.now());
  });

  it("needs a backend with replaceIfUnchanged, and a refresh window shorter than the TTL", () => {
    const memory = new InMemoryApiKeyCacheBackend();
    const { replaceIfUnchanged: _cas, ...rest } = {
      get: memory.get.bind(memory),
      set: memory.set.bind(memory),
      setIfAbsent: memory.setIfAbsent.bind(memory),
      delete: memory.delete.bind(memory),
      clear: memory.clear.bind(memory),
      close: memory.close.bind(memory),
      replaceIfUnchanged: memory.replaceIfUnchanged.bind(memory),
    };
    const configError = (build: () => unknown): unknown => {
      try {
        build();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const load = async () => undefined;
    const noCas = configError(() =>
      createApiKeyResolver({ backend: rest, load, staleIfErrorSeconds: 10 }),
    );
    expect(isApiKeyCacheError(noCas, "E_CONFIG")).toBe(true);
    expect((noCas as Error).message).toContain("replaceIfUnchanged");
    const tooLong = configError(() =>
      createApiKeyResolver({ backend: memory, load, ttlSeconds: 60, refreshAheadSeconds: 60 }),
    );
    expect(isApiKeyCacheError(tooLong, "E_CONFIG")).toBe(true);
    expect((tooLong as Error).message).toContain("refreshAheadSeconds");
    for (const bad of [-1, Number.NaN]) {
      const error = configError(() =>
        createApiKeyResolver({ backend: memory, load, staleIfErrorSeconds: bad }),
      );
      expect(isApiKeyCacheError(error, "E_CONFIG")).toBe(true);
    }
  });
});
