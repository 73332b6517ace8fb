/**
 * The tiered backend's peek: L1 only, and only what `get` would answer from L1 at that moment.
 * No answer while L1 is off, none for a copy a peer's write, a disconnect or a racing write
 * made stale, and the same frozen copy `get` hands out otherwise.
 */
import {
  InMemoryApiKeyCacheBackend,
  isApiKeyCacheError,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
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

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return isApiKeyCacheError(error) ? error.code : "not an ApiKeyCacheError";
  }
  return undefined;
}

describe("TieredApiKeyCacheBackend.peek", () => {
  it("has no answer while L1 is off, even for an entry L2 holds", async () => {
    await cluster.store.set("k", v1, 60);
    const { tiered } = cluster.instance();
    expect(tiered.l1Enabled).toBe(false);
    expect(tiered.peek?.("k")).toBeUndefined();
    expect(await tiered.get("k")).toEqual(v1);
    // Read before the subscription was confirmed: not kept in L1.
    expect(tiered.peek?.("k")).toBeUndefined();
  });

  it("answers an L1 copy with the same frozen object get hands out, without asking L2", async () => {
    await cluster.store.set("k", v1, 60);
    const { tiered, remote } = cluster.instance();
    expect(await waitFor(() => tiered.l1Enabled)).toBe(true);
    expect(tiered.peek?.("k")).toBeUndefined();
    const got = await tiered.get("k");
    const reads = remote.calls.get;
    const peeked = tiered.peek?.("k");
    expect(peeked).toEqual(v1);
    expect(peeked).toBe(await tiered.get("k"));
    expect(Object.isFrozen(peeked)).toBe(true);
    expect(got).toEqual(v1);
    expect(remote.calls.get).toBe(reads);
  });

  it("has no answer once a peer's write reaches this process over the bus", async () => {
    const a = cluster.instance();
    const b = cluster.instance();
    expect(await waitFor(() => a.tiered.l1Enabled && b.tiered.l1Enabled)).toBe(true);
    await a.tiered.set("k", v1, 60);
    expect(await b.tiered.get("k")).toEqual(v1);
    expect(b.tiered.peek?.("k")).toEqual(v1);
    await a.tiered.set("k", v2, 60);
    await cluster.network.settled();
    expect(b.tiered.peek?.("k")).toBeUndefined();
    expect(await b.tiered.get("k")).toEqual(v2);
    expect(b.tiered.peek?.("k")).toEqual(v2);
  });

  it("has no answer after a disconnect, until the bus is back and L1 is filled again", async () => {
    const { tiered, bus } = cluster.instance();
    expect(await waitFor(() => tiered.l1Enabled)).toBe(true);
    await tiered.set("k", v1, 60);
    expect(tiered.peek?.("k")).toEqual(v1);
    await bus.simulateDisconnect();
    expect(tiered.peek?.("k")).toBeUndefined();
    await bus.simulateReconnect();
    expect(await waitFor(() => tiered.l1Enabled)).toBe(true);
    expect(tiered.peek?.("k")).toBeUndefined();
    expect(await tiered.get("k")).toEqual(v1);
    expect(tiered.peek?.("k")).toEqual(v1);
  });

  it("a read that a write overtook fills nothing, so peek never gives the older value", async () => {
    await cluster.store.set("k", v1, 60);
    const { tiered, remote } = cluster.instance();
    expect(await waitFor(() => tiered.l1Enabled)).toBe(true);
    remote.holdReads = true;
    const read = tiered.get("k");
    expect(await waitFor(() => remote.heldReads === 1)).toBe(true);
    remote.holdReads = false;
    await tiered.delete("k");
    remote.releaseReads();
    expect(await read).toEqual(v1);
    expect(tiered.peek?.("k")).toBeUndefined();
    expect(await tiered.get("k")).toBeUndefined();
  });

  it("throws E_CLOSED after close() and E_INVALID_KEY for a bad key, with L1 on or off", async () => {
    const { tiered } = cluster.instance();
    expect(codeOf(() => tiered.peek?.(""))).toBe("E_INVALID_KEY");
    expect(await waitFor(() => tiered.l1Enabled)).toBe(true);
    expect(codeOf(() => tiered.peek?.(""))).toBe("E_INVALID_KEY");
    await tiered.close();
    expect(codeOf(() => tiered.peek?.("k"))).toBe("E_CLOSED");
  });

  it("is absent over an L1 without peek", async () => {
    const memory = new InMemoryApiKeyCacheBackend();
    const local = {
      get: (key: string) => memory.get(key),
      set: (key: string, value: typeof v1, ttl: number) => memory.set(key, value, ttl),
      setIfAbsent: (key: string, value: typeof v1, ttl: number) =>
        memory.setIfAbsent(key, value, ttl),
      delete: (key: string) => memory.delete(key),
      clear: () => memory.clear(),
      close: () => memory.close(),
    };
    const tiered = new TieredApiKeyCacheBackend({
      local,
      remote: new InMemoryApiKeyCacheBackend(),
      bus: cluster.network.createBus(),
      logger: silentLogger,
    });
    expect("peek" in tiered).toBe(false);
    expect(await waitFor(() => tiered.l1Enabled)).toBe(true);
    await tiered.set("k", v1, 60);
    expect(await tiered.get("k")).toEqual(v1);
    await tiered.close();
  });
});
