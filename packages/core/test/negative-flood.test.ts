/**
 * A flood of unknown keys must not evict the valid ones: the scaled run of
 * `scripts/negative-flood.ts` (1,000,000 keys there; 100,000 on memory and 50,000 on tiered
 * here) through the resolver, plus the bounds of the memory backend that make it hold.
 */

import {
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  isApiKeyCacheError,
  NOT_FOUND_MARKER,
  REVOKED_MARKER,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import { createInProcessBusNetwork } from "@apikey/core/testing";
import { describe, expect, it } from "vitest";
import { runNegativeFlood } from "../scripts/negative-flood.js";

describe("a flood of unknown keys through the resolver", () => {
  it("memory backend: 100,000 unknown keys interleaved with 1,000 valid keys keep the valid hit rate >= 95%", async () => {
    const report = await runNegativeFlood({ backend: "memory", floodKeys: 100_000 });
    console.info(`[negative-flood] memory: ${JSON.stringify(report)}`);
    expect(report.validLookups).toBe(10_000);
    expect(report.validHitRate).toBeGreaterThanOrEqual(0.95);
    expect(report.negativeEntries).toBeLessThanOrEqual(2_500);
  });

  it("tiered backend: L1 keeps >= 95% of the valid lookups under the same flood", async () => {
    // Five times L1's 10,000 entries; the tiered path costs about twice the memory one per key.
    const report = await runNegativeFlood({ backend: "tiered", floodKeys: 50_000 });
    console.info(`[negative-flood] tiered: ${JSON.stringify(report)}`);
    expect(report.validHitRate).toBeGreaterThanOrEqual(0.95);
    expect(report.l1HitRate).toBeGreaterThanOrEqual(0.95);
    expect(report.negativeEntries).toBeLessThanOrEqual(2_500);
  });

  it("revoked keys stay revoked through a flood (tombstones are never evicted by not-found markers)", async () => {
    const backend = new InMemoryApiKeyCacheBackend({ maxEntries: 1_000 });
    const resolver = createApiKeyResolver({
      backend,
      load: async () => undefined,
      logger: silentLogger,
    });
    const revoked = Array.from({ length: 500 }, (_, i) => hashApiKey(`sk-revoked-${i}`));
    for (const keyHash of revoked) await resolver.revoke(keyHash);
    for (let i = 0; i < 20_000; i++) await resolver.resolve(`sk-flood-${i}`);
    for (const keyHash of revoked) expect(await backend.get(keyHash)).toEqual(REVOKED_MARKER);
  });
});

describe("tiered: a tombstone evicted from L1", () => {
  it("falls back to the tombstone in L2, never to an active value", async () => {
    const network = createInProcessBusNetwork();
    const l2 = new InMemoryApiKeyCacheBackend();
    const tiered = new TieredApiKeyCacheBackend({
      local: new InMemoryApiKeyCacheBackend({ maxEntries: 5 }),
      remote: l2,
      bus: network.createBus(),
      logger: silentLogger,
    });
    try {
      await expect.poll(() => tiered.l1Enabled).toBe(true);
      const resolver = createApiKeyResolver({
        backend: tiered,
        load: async (keyHash) => ({ apiKey: keyHash.slice(0, 8), active: true }),
        logger: silentLogger,
      });
      const keys = Array.from({ length: 20 }, (_, i) => hashApiKey(`sk-l1-${i}`));
      // 20 tombstones in an L1 of 5: 15 are evicted from L1 and read again from L2.
      for (const keyHash of keys) await resolver.revoke(keyHash);
      for (let i = 0; i < 1_000; i++) await resolver.resolve(`sk-l1-flood-${i}`);
      for (let i = 0; i < 20; i++) {
        expect(await resolver.resolve(`sk-l1-${i}`)).toEqual(REVOKED_MARKER);
      }
    } finally {
      await tiered.close();
      await network.close();
    }
  });
});

describe("InMemoryApiKeyCacheBackend: separate bounds", () => {
  const record = (i: number) => ({ apiKey: `ak_${i}`, active: true });

  it("not-found markers are bounded by maxNegativeEntries and evict only each other", async () => {
    const backend = new InMemoryApiKeyCacheBackend({ maxEntries: 100, maxNegativeEntries: 10 });
    for (let i = 0; i < 100; i++) await backend.set(`r${i}`, record(i), 60);
    for (let i = 0; i < 1_000; i++) await backend.set(`n${i}`, NOT_FOUND_MARKER, 60);
    expect(backend.negativeSize).toBe(10);
    expect(backend.size).toBe(110);
    for (let i = 0; i < 100; i++) expect(await backend.get(`r${i}`)).toEqual(record(i));
    // The most recent markers are the ones kept.
    expect(await backend.get("n999")).toEqual(NOT_FOUND_MARKER);
    expect(await backend.get("n989")).toBeUndefined();
  });

  it("maxNegativeEntries defaults to a quarter of maxEntries, rounded up; 0 keeps none", async () => {
    expect(new InMemoryApiKeyCacheBackend().maxNegativeEntries).toBe(2_500);
    expect(new InMemoryApiKeyCacheBackend({ maxEntries: 5 }).maxNegativeEntries).toBe(2);
    const none = new InMemoryApiKeyCacheBackend({ maxNegativeEntries: 0 });
    await none.set("n", NOT_FOUND_MARKER, 60);
    expect(await none.get("n")).toBeUndefined();
  });

  it.each([-1, 1.5, Number.NaN, "10"])("rejects maxNegativeEntries %s with E_CONFIG", (bad) => {
    let caught: unknown;
    try {
      new InMemoryApiKeyCacheBackend({ maxNegativeEntries: bad as number });
    } catch (error) {
      caught = error;
    }
    expect(isApiKeyCacheError(caught, "E_CONFIG")).toBe(true);
    expect((caught as Error).message).toContain("maxNegativeEntries");
  });

  it("records are evicted before any tombstone; tombstones go only once no record is left", async () => {
    const backend = new InMemoryApiKeyCacheBackend({ maxEntries: 10 });
    for (let i = 0; i < 5; i++) await backend.set(`t${i}`, REVOKED_MARKER, 60);
    for (let i = 0; i < 50; i++) await backend.set(`r${i}`, record(i), 60);
    for (let i = 0; i < 5; i++) expect(await backend.get(`t${i}`)).toEqual(REVOKED_MARKER);
    expect(await backend.get("r49")).toEqual(record(49));
    expect(await backend.get("r44")).toBeUndefined();
    // Tombstones alone past the bound: the least recently used tombstone goes.
    for (let i = 5; i < 15; i++) await backend.set(`t${i}`, REVOKED_MARKER, 60);
    expect(backend.size).toBe(10);
    expect(await backend.get("t0")).toBeUndefined();
    expect(await backend.get("t14")).toEqual(REVOKED_MARKER);
  });

  it("a key moves between bounds when its kind changes, and is held once", async () => {
    const backend = new InMemoryApiKeyCacheBackend({ maxEntries: 10, maxNegativeEntries: 10 });
    await backend.set("k", NOT_FOUND_MARKER, 60);
    await backend.set("k", record(1), 60);
    expect(backend.negativeSize).toBe(0);
    await backend.set("k", REVOKED_MARKER, 60);
    expect(backend.size).toBe(1);
    expect(await backend.setIfAbsentGet("k", record(2), 60)).toEqual(REVOKED_MARKER);
    await backend.delete("k");
    expect(backend.size).toBe(0);
  });

  it("expiry reclaims entries of every kind", async () => {
    const clock = { ms: 0 };
    const backend = new InMemoryApiKeyCacheBackend({ now: () => clock.ms });
    await backend.set("r", record(1), 1);
    await backend.set("t", REVOKED_MARKER, 1);
    await backend.set("n", NOT_FOUND_MARKER, 1);
    expect(backend.size).toBe(3);
    clock.ms = 1_000;
    expect(backend.size).toBe(0);
  });
});
