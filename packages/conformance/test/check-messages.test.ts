/**
 * What a new contributor reads when a TTL check fails: the message says what happened, what
 * the rule is, and by how much the backend missed it, rather than a bare "false == true".
 */
import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  type CachedApiKeyWithTtl,
  InMemoryApiKeyCacheBackend,
} from "@apikey/core";
import { describe, expect, it } from "vitest";
import { type BackendConformanceOptions, runBackendChecks } from "../src/index.js";

/** A memory backend on a fake clock, with `override` replacing some of its methods. */
function onFakeClock(
  override: (memory: InMemoryApiKeyCacheBackend) => Partial<ApiKeyCacheBackend>,
): BackendConformanceOptions {
  return {
    createBackend: () => new InMemoryApiKeyCacheBackend(),
    createWithFakeClock: () => {
      let now = 0;
      const memory = new InMemoryApiKeyCacheBackend({ now: () => now });
      const backend: ApiKeyCacheBackend = {
        get: (key) => memory.get(key),
        getWithTtl: (key) => memory.getWithTtl(key),
        set: (key, value, ttl) => memory.set(key, value, ttl),
        setIfAbsent: (key, value, ttl) => memory.setIfAbsent(key, value, ttl),
        delete: (key) => memory.delete(key),
        clear: () => memory.clear(),
        close: () => memory.close(),
        ...override(memory),
      };
      return {
        backend,
        advance: (ms) => {
          now += ms;
        },
      };
    },
  };
}

async function failureOf(options: BackendConformanceOptions, id: string): Promise<string> {
  const [result] = await runBackendChecks(options, { ids: [id] });
  expect(result?.status, id).toBe("failed");
  return String((result?.error as Error | undefined)?.message);
}

describe("failure messages of the fake-clock TTL checks", () => {
  it("ttl.fakeClockExact: an entry living 1 ms too long is reported with the rule and the ms", async () => {
    const oneMsLonger = onFakeClock((memory) => ({
      set: (key: string, value: CachedApiKey, ttl: number) => memory.set(key, value, ttl + 0.001),
    }));
    const message = await failureOf(oneMsLonger, "ttl.fakeClockExact");
    expect(message).toContain("an entry set with ttl 0.0004 s was still there (get()) 1 ms after");
    expect(message).toContain("ceil(ttl × 1000) = 1 ms");
  });

  it("ttl.fakeClockOverwrite: a set() that keeps the replaced entry's TTL says so", async () => {
    const keepsOldTtl = onFakeClock((memory) => ({
      set: async (key: string, value: CachedApiKey, ttl: number) => {
        const existing = await memory.getWithTtl(key);
        await memory.set(key, value, existing === undefined ? ttl : existing.ttlMs / 1000);
      },
    }));
    const message = await failureOf(keepsOldTtl, "ttl.fakeClockOverwrite");
    expect(message).toContain("set() must restart the TTL");
  });

  it('ttl.fakeClockGetWithTtl: a present entry reported with ttlMs 0 names the "> 0" rule', async () => {
    const reportsZero = onFakeClock((memory) => ({
      getWithTtl: async (key: string): Promise<CachedApiKeyWithTtl | undefined> => {
        const entry = await memory.getWithTtl(key);
        return entry === undefined ? undefined : { value: entry.value, ttlMs: 0 };
      },
    }));
    const message = await failureOf(reportsZero, "ttl.fakeClockGetWithTtl");
    expect(message).toContain('ttlMs is 0, which breaks the "> 0" rule');
  });
});
