import {
  type ApiKeyCacheLogger,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  isApiKeyCacheError,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import { createInProcessBusNetwork } from "@apikey/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTieredCluster, type TieredCluster, waitFor } from "./tiered-harness.js";

const v1 = { apiKey: "k-1", active: true };
const v2 = { apiKey: "k-2", active: false };

let cluster: TieredCluster;
beforeEach(() => {
  cluster = createTieredCluster();
});
afterEach(async () => {
  await cluster.close();
});

describe("TieredApiKeyCacheBackend: L1", () => {
  it("construction is synchronous and L1 stays off until the bus confirms the subscription", async () => {
    await cluster.store.set("k", v1, 60);
    const { tiered, remote } = cluster.instance();
    expect(tiered.l1Enabled).toBe(false);
    // Sent before the subscription is confirmed: answered by L2, and not kept in L1.
    expect(await tiered.get("k")).toEqual(v1);
    expect(remote.calls.get).toBe(1);
    expect(await waitFor(() => tiered.l1Enabled)).toBe(true);
    expect(await tiered.get("k")).toEqual(v1);
    expect(remote.calls.get).toBe(2);
    // Filled by the read above: served from L1 now.
    expect(await tiered.get("k")).toEqual(v1);
    expect(remote.calls.get).toBe(2);
  });

  it("an L1 hit is served without asking L2, deep-frozen", async () => {
    const { tiered, remote } = cluster.instance();
    await waitFor(() => tiered.l1Enabled);
    await tiered.set("k", v1, 60);
    const first = await tiered.get("k");
    expect(first).toEqual(v1);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => {
      (first as { active: boolean }).active = false;
    }).toThrow(TypeError);
    expect(await tiered.get("k")).toEqual(v1);
    expect(tiered.peek?.("k")).toEqual(v1);
    expect(remote.calls.get).toBe(0);
  });

  it("maxStalenessMs is localTtlSeconds × 1000, and a bad localTtlSeconds is E_CONFIG", () => {
    const { tiered } = cluster.instance(2.5);
    expect(tiered.maxStalenessMs).toBe(2_500);
    const network = createInProcessBusNetwork();
    for (const localTtlSeconds of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(
        () =>
          new TieredApiKeyCacheBackend({
            local: new InMemoryApiKeyCacheBackend(),
            remote: new InMemoryApiKeyCacheBackend(),
            bus: network.createBus(),
            localTtlSeconds,
          }),
      ).toThrow(expect.objectContaining({ code: "E_CONFIG" }));
    }
  });

  it("an L1 copy filled by a read expires localTtlSeconds after the read was sent", async () => {
    const { tiered } = cluster.instance(0.2);
    await waitFor(() => tiered.l1Enabled);
    await cluster.store.set("k", v1, 60);
    expect(await tiered.get("k")).toEqual(v1);
    const filledAt = performance.now();
    // A write that bypasses every bus (as if its message were lost): L1 serves the old value...
    await cluster.store.set("k", v2, 60);
    expect(await tiered.get("k")).toEqual(v1);
    // ...until the copy's lifetime ends.
    let seen = await tiered.get("k");
    while (seen?.apiKey !== v2.apiKey && performance.now() - filledAt < 1_500) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen = await tiered.get("k");
    }
    expect(seen).toEqual(v2);
    expect(performance.now() - filledAt).toBeLessThan(200 + 1_000);
  });

  it("a write of a TTL shorter than localTtlSeconds expires from L1 with it", async () => {
    const { tiered } = cluster.instance(5);
    await waitFor(() => tiered.l1Enabled);
    await tiered.set("short", v1, 0.05);
    expect(await tiered.get("short")).toEqual(v1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await tiered.get("short")).toBeUndefined();
  });
});

describe("TieredApiKeyCacheBackend: invalidation", () => {
  it("a peer's set, delete and clear reach this instance's L1 through the bus", async () => {
    const a = cluster.instance();
    const b = cluster.instance();
    await waitFor(() => a.tiered.l1Enabled && b.tiered.l1Enabled);
    await a.tiered.set("k", v1, 60);
    await a.tiered.set("other", v1, 60);
    expect(await b.tiered.get("k")).toEqual(v1);
    expect(await b.tiered.get("other")).toEqual(v1);
    const readsAfterFill = b.remote.calls.get;
    expect(await b.tiered.get("k")).toEqual(v1);
    expect(b.remote.calls.get).toBe(readsAfterFill);

    await a.tiered.set("k", v2, 60);
    await cluster.network.settled();
    expect(await b.tiered.get("k")).toEqual(v2);

    await a.tiered.delete("k");
    await cluster.network.settled();
    expect(await b.tiered.get("k")).toBeUndefined();

    await a.tiered.clear();
    await cluster.network.settled();
    expect(await b.tiered.get("other")).toBeUndefined();
    expect(b.local.size).toBe(0);
  });

  it("setIfAbsent is decided by L2 alone, never by an L1 copy", async () => {
    const b = cluster.instance();
    await waitFor(() => b.tiered.l1Enabled);
    await cluster.store.set("k", v1, 60);
    expect(await b.tiered.get("k")).toEqual(v1);
    // L2 loses the entry without a message; L1 still holds a copy.
    await cluster.store.delete("k");
    expect(await b.tiered.setIfAbsent("k", v2, 60)).toBe(true);
    expect(await b.tiered.get("k")).toEqual(v2);
    expect(await cluster.store.get("k")).toEqual(v2);
    // And when L2 holds an entry, L1 ends up with what L2 holds.
    await cluster.store.set("k2", v1, 60);
    expect(await b.tiered.setIfAbsent("k2", v2, 60)).toBe(false);
    expect(await b.tiered.get("k2")).toEqual(v1);
    expect(await b.tiered.setIfAbsentGet("k2", v2, 60)).toEqual(v1);
    expect(await b.tiered.get("k2")).toEqual(v1);
  });

  it("setIfAbsentGet over an L2 without it: setIfAbsent then get, and L1 is filled only with a known TTL", async () => {
    const network = createInProcessBusNetwork();
    const store = new InMemoryApiKeyCacheBackend();
    const remote = {
      get: (key: string) => store.get(key),
      set: (key: string, value: CachedApiKey, ttl: number) => store.set(key, value, ttl),
      setIfAbsent: (key: string, value: CachedApiKey, ttl: number) =>
        store.setIfAbsent(key, value, ttl),
      delete: (key: string) => store.delete(key),
      clear: () => store.clear(),
      // The store outlives both tiered instances below; the test closes it.
      close: async () => {},
    };
    for (const withTtl of [false, true]) {
      const local = new InMemoryApiKeyCacheBackend();
      const tiered = new TieredApiKeyCacheBackend({
        local,
        remote: withTtl ? { ...remote, getWithTtl: (key) => store.getWithTtl(key) } : remote,
        bus: network.createBus(),
        logger: silentLogger,
      });
      await waitFor(() => tiered.l1Enabled);
      expect(await tiered.setIfAbsentGet("k", v1, 60)).toBeUndefined();
      expect(await local.get("k")).toEqual(v1);
      await store.set("j", v2, 60);
      expect(await tiered.setIfAbsentGet("j", v1, 60)).toEqual(v2);
      // The entry found fills L1 only when its remaining TTL came with it (getWithTtl).
      expect(await local.get("j")).toEqual(withTtl ? v2 : undefined);
      expect(await tiered.setIfAbsentGet("z", v1, 0)).toBeUndefined();
      expect(await local.get("z")).toBeUndefined();
      expect(await store.get("z")).toBeUndefined();
      await tiered.close();
      store.clearSync();
    }
    await store.close();
    await network.close();
  });

  it("a bus disconnect clears L1 and bypasses it until the subscription is ready again", async () => {
    const a = cluster.instance();
    const b = cluster.instance();
    await waitFor(() => a.tiered.l1Enabled && b.tiered.l1Enabled);
    await a.tiered.set("k", v1, 60);
    expect(await b.tiered.get("k")).toEqual(v1);
    expect(b.local.size).toBe(1);

    await b.bus.simulateDisconnect();
    expect(b.tiered.l1Enabled).toBe(false);
    expect(b.local.size).toBe(0);
    // While disconnected, a peer's message is lost, but B reads L2 every time.
    await a.tiered.set("k", v2, 60);
    await cluster.network.settled();
    const reads = b.remote.calls.get;
    expect(await b.tiered.get("k")).toEqual(v2);
    expect(await b.tiered.get("k")).toEqual(v2);
    expect(b.remote.calls.get).toBe(reads + 2);
    expect(b.local.size).toBe(0);

    await b.bus.simulateReconnect();
    expect(b.tiered.l1Enabled).toBe(true);
    expect(await b.tiered.get("k")).toEqual(v2);
    expect(await b.tiered.get("k")).toEqual(v2);
    expect(b.remote.calls.get).toBe(reads + 3);
  });

  it("a slow L2 reply racing with a peer's delete does not fill L1 with the old value", async () => {
    const a = cluster.instance();
    const b = cluster.instance();
    await waitFor(() => a.tiered.l1Enabled && b.tiered.l1Enabled);
    await a.tiered.set("k", v1, 60);
    b.remote.holdReads = true;
    const slowRead = b.tiered.get("k");
    await waitFor(() => b.remote.heldReads === 1);
    await a.tiered.delete("k");
    await cluster.network.settled();
    b.remote.holdReads = false;
    b.remote.releaseReads();
    // The read was answered before the delete: it may return the old value, not cache it.
    expect(await slowRead).toEqual(v1);
    expect(b.local.size).toBe(0);
    expect(await b.tiered.get("k")).toBeUndefined();
  });

  it("a slow L2 reply racing with a local write, or a disconnect, does not fill L1", async () => {
    const b = cluster.instance();
    await waitFor(() => b.tiered.l1Enabled);
    await cluster.store.set("k", v1, 60);

    b.remote.holdReads = true;
    const beforeDelete = b.tiered.get("k");
    await waitFor(() => b.remote.heldReads === 1);
    b.remote.holdReads = false;
    await b.tiered.set("k", v2, 60);
    b.remote.releaseReads();
    expect(await beforeDelete).toEqual(v1);
    expect(await b.tiered.get("k")).toEqual(v2);

    await cluster.store.set("j", v1, 60);
    b.remote.holdReads = true;
    const beforeReconnect = b.tiered.get("j");
    await waitFor(() => b.remote.heldReads === 1);
    b.remote.holdReads = false;
    await b.bus.simulateDisconnect();
    await b.bus.simulateReconnect();
    b.remote.releaseReads();
    expect(await beforeReconnect).toEqual(v1);
    // Filled before the resubscription: never served.
    expect(b.local.size).toBe(0);
  });

  it("a publish that fails after the L2 write is logged, not thrown", async () => {
    const warnings: string[] = [];
    const logger: ApiKeyCacheLogger = {
      ...silentLogger,
      warn: (message) => warnings.push(message),
    };
    const network = createInProcessBusNetwork();
    const bus = network.createBus();
    const remote = new InMemoryApiKeyCacheBackend();
    const tiered = new TieredApiKeyCacheBackend({
      local: new InMemoryApiKeyCacheBackend(),
      remote,
      bus,
      logger,
    });
    await waitFor(() => tiered.l1Enabled);
    await bus.simulateDisconnect({ failPublish: true });
    await expect(tiered.set("k", v1, 60)).resolves.toBeUndefined();
    expect(await remote.get("k")).toEqual(v1);
    expect(warnings.some((message) => message.includes("publishing"))).toBe(true);
    await tiered.close();
  });

  it("a failing L2 write rejects and leaves L1 and the bus alone", async () => {
    const network = createInProcessBusNetwork();
    const remote = new InMemoryApiKeyCacheBackend();
    const local = new InMemoryApiKeyCacheBackend();
    const tiered = new TieredApiKeyCacheBackend({
      local,
      remote,
      bus: network.createBus(),
      logger: silentLogger,
    });
    await waitFor(() => tiered.l1Enabled);
    await expect(tiered.set("k", v1, Number.NaN)).rejects.toMatchObject({ code: "E_INVALID_TTL" });
    expect(local.size).toBe(0);
    await tiered.close();
  });
});

describe("TieredApiKeyCacheBackend: close", () => {
  it("close() closes L1, L2 and the bus; it is idempotent and later calls reject with E_CLOSED", async () => {
    const network = createInProcessBusNetwork();
    const bus = network.createBus();
    const remote = new InMemoryApiKeyCacheBackend();
    const local = new InMemoryApiKeyCacheBackend();
    const tiered = new TieredApiKeyCacheBackend({ local, remote, bus, logger: silentLogger });
    await waitFor(() => tiered.l1Enabled);
    await tiered.close();
    await tiered.close();
    expect(bus.closed).toBe(true);
    await expect(remote.get("k")).rejects.toMatchObject({ code: "E_CLOSED" });
    await expect(local.get("k")).rejects.toMatchObject({ code: "E_CLOSED" });
    for (const call of [
      () => tiered.get("k"),
      () => tiered.set("k", v1, 1),
      () => tiered.setIfAbsent("k", v1, 1),
      () => tiered.delete("k"),
      () => tiered.clear(),
    ]) {
      const error = await call().catch((caught: unknown) => caught);
      expect(isApiKeyCacheError(error, "E_CLOSED")).toBe(true);
    }
  });
});

describe("resolver over the tiered backend", () => {
  it("a revoke in one process reaches another process's L1 through the bus", async () => {
    const a = cluster.instance();
    const b = cluster.instance();
    await waitFor(() => a.tiered.l1Enabled && b.tiered.l1Enabled);
    const load = async () => ({ apiKey: "sk", active: true });
    const resolverA = createApiKeyResolver({ backend: a.tiered, load, logger: silentLogger });
    const resolverB = createApiKeyResolver({ backend: b.tiered, load, logger: silentLogger });
    expect((await resolverB.resolve("sk-tiered"))?.active).toBe(true);
    expect((await resolverB.resolve("sk-tiered"))?.active).toBe(true);
    expect(resolverB.stats().hits).toBe(1);
    await resolverA.revoke(hashApiKey("sk-tiered"));
    await cluster.network.settled();
    expect((await resolverB.resolve("sk-tiered"))?.active).toBe(false);
  });

  it("revoke(h, { wait: true }) waits maxStalenessMs, covering a lost bus message", async () => {
    const a = cluster.instance(0.3);
    const b = cluster.instance(0.3);
    await waitFor(() => a.tiered.l1Enabled && b.tiered.l1Enabled);
    const load = async () => ({ apiKey: "sk", active: true });
    const resolverA = createApiKeyResolver({ backend: a.tiered, load, logger: silentLogger });
    const resolverB = createApiKeyResolver({ backend: b.tiered, load, logger: silentLogger });
    expect((await resolverB.resolve("sk-wait"))?.active).toBe(true);
    // A's invalidation will be lost: its publish fails (B is not told it missed anything).
    await a.bus.simulateDisconnect({ failPublish: true });
    const started = performance.now();
    await resolverA.revoke(hashApiKey("sk-wait"), { wait: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
    expect((await resolverB.resolve("sk-wait"))?.active).toBe(false);
  });
});
