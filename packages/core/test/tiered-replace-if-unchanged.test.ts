import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTieredCluster, type TieredCluster, waitFor } from "./tiered-harness.js";

const v1 = { apiKey: "k-1", active: true };
const v2 = { apiKey: "k-1", active: true, version: 2 };
const tombstone = { apiKey: "", active: false, state: "revoked" };

let cluster: TieredCluster;
beforeEach(() => {
  cluster = createTieredCluster();
});
afterEach(async () => {
  await cluster.close();
});

describe("TieredApiKeyCacheBackend.replaceIfUnchanged", () => {
  it("is offered only when L2 has it", async () => {
    const { tiered } = cluster.instance();
    expect(typeof tiered.replaceIfUnchanged).toBe("function");
  });

  it("L2 decides: a stale L1 copy of the expected value cannot make it replace a newer entry", async () => {
    const a = cluster.instance();
    await waitFor(() => a.tiered.l1Enabled);
    await a.tiered.set("k", v1, 60);
    expect(await a.tiered.get("k")).toEqual(v1); // in a's L1
    // Another writer replaces the entry in L2 behind a's back (no bus message).
    await cluster.store.set("k", tombstone, 60);
    expect(await a.tiered.replaceIfUnchanged?.("k", v1, v2, 60)).toBe(false);
    expect(await cluster.store.get("k")).toEqual(tombstone);
    // The refusal dropped a's outdated L1 copy: the next read goes to L2.
    const reads = a.remote.calls.get;
    expect(await a.tiered.get("k")).toEqual(tombstone);
    expect(a.remote.calls.get).toBe(reads + 1);
  });

  it("a replacement fills L1 and reaches a peer's L1 through the bus", async () => {
    const a = cluster.instance();
    const b = cluster.instance();
    await waitFor(() => a.tiered.l1Enabled && b.tiered.l1Enabled);
    await a.tiered.set("k", v1, 60);
    expect(await b.tiered.get("k")).toEqual(v1); // in b's L1
    expect(await a.tiered.replaceIfUnchanged?.("k", v1, v2, 60)).toBe(true);
    expect(await cluster.store.get("k")).toEqual(v2);
    const reads = a.remote.calls.get;
    expect(await a.tiered.get("k")).toEqual(v2);
    expect(a.remote.calls.get).toBe(reads); // from a's L1
    expect(await waitFor(() => b.local.size === 0)).toBe(true);
    expect(await b.tiered.get("k")).toEqual(v2);
  });
});
