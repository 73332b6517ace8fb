/**
 * Concurrent L1 misses of one key share one L2 read, and only while nothing has invalidated the
 * key since that read was sent: a caller arriving after a write, delete, clear, bus message or
 * disconnect gets a read of its own, never the older reply.
 */
import type { CachedApiKey } from "@apikey/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createTieredCluster,
  type TieredCluster,
  type TieredInstance,
  waitFor,
} from "./tiered-harness.js";

const v1 = { apiKey: "k-1", active: true };
const v2 = { apiKey: "k-2", active: false };
const CALLERS = 25;

let cluster: TieredCluster;
beforeEach(() => {
  cluster = createTieredCluster();
});
afterEach(async () => {
  await cluster.close();
});

/** An instance with L1 on whose L2 holds `v1` under "k" and whose L1 has no copy of it. */
async function coldInstance(localTtlSeconds = 5): Promise<TieredInstance> {
  const made = cluster.instance(localTtlSeconds);
  expect(await waitFor(() => made.tiered.l1Enabled)).toBe(true);
  await cluster.store.set("k", v1, 60);
  return made;
}

/** Start `count` gets of "k" while L2 replies are held; resolves once the first read is held. */
async function heldGets(
  made: TieredInstance,
  count: number,
): Promise<Array<Promise<CachedApiKey | undefined>>> {
  made.remote.holdReads = true;
  const gets = Array.from({ length: count }, () => made.tiered.get("k"));
  expect(await waitFor(() => made.remote.heldReads >= 1)).toBe(true);
  return gets;
}

describe("TieredApiKeyCacheBackend: concurrent L1 misses share one L2 read", () => {
  it("N gets of a key whose L1 copy expired send one L2 read; each caller gets a frozen value", async () => {
    // Long enough for the held read below to be answered within it on a loaded machine (a
    // fill whose L2 read was sent more than localTtlSeconds ago is skipped, by design), short
    // enough to wait out once.
    const made = await coldInstance(0.5);
    const { tiered, remote, local } = made;
    expect(await tiered.get("k")).toEqual(v1);
    expect(local.size).toBe(1);
    // The L1 copy expires after localTtlSeconds.
    expect(await waitFor(() => local.size === 0)).toBe(true);
    const readsBefore = remote.calls.get;

    const gets = await heldGets(made, CALLERS);
    expect(remote.calls.get).toBe(readsBefore + 1);
    expect(tiered.remoteReadsInFlight).toBe(1);
    remote.holdReads = false;
    remote.releaseReads();
    const values = await Promise.all(gets);

    expect(remote.calls.get).toBe(readsBefore + 1);
    for (const value of values) {
      expect(value).toEqual(v1);
      expect(Object.isFrozen(value)).toBe(true);
    }
    expect(() => {
      (values[0] as { active: boolean }).active = false;
    }).toThrow(TypeError);
    expect(values[1]).toEqual(v1);
    expect(tiered.remoteReadsInFlight).toBe(0);
    // The shared read filled L1 once, as an uncoalesced read would.
    expect(await tiered.get("k")).toEqual(v1);
    expect(remote.calls.get).toBe(readsBefore + 1);
  });

  it("get and getWithTtl misses of a key share one read, while other keys get their own", async () => {
    const { tiered, remote } = await coldInstance();
    await cluster.store.set("other", v2, 60);
    remote.holdReads = true;
    expect(tiered.getWithTtl).toBeDefined();
    const entries = [tiered.getWithTtl?.("k"), tiered.getWithTtl?.("k")];
    const values = [tiered.get("k"), tiered.get("other"), tiered.get("other")];
    expect(await waitFor(() => remote.heldReads === 2)).toBe(true);
    expect(remote.calls.get).toBe(2);
    expect(tiered.remoteReadsInFlight).toBe(2);
    remote.holdReads = false;
    remote.releaseReads();

    for (const entry of await Promise.all(entries)) {
      expect(entry?.value).toEqual(v1);
      expect(entry?.ttlMs).toBeGreaterThan(0);
      expect(entry?.ttlMs).toBeLessThanOrEqual(60_000);
    }
    expect(await Promise.all(values)).toEqual([v1, v2, v2]);
    expect(remote.calls.get).toBe(2);
    expect(tiered.remoteReadsInFlight).toBe(0);
  });

  it("an L2 error reaches every joined caller, caches nothing, and the next get reads again", async () => {
    const made = await coldInstance();
    const { tiered, remote, local } = made;
    const failure = new Error("L2 read failed");
    remote.readError = failure;
    const gets = await heldGets(made, CALLERS);
    remote.holdReads = false;
    remote.readError = undefined;
    remote.releaseReads();

    const outcomes = await Promise.allSettled(gets);
    expect(outcomes.every((outcome) => outcome.status === "rejected")).toBe(true);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(outcome.reason).toBe(failure);
    }
    expect(remote.calls.get).toBe(1);
    expect(local.size).toBe(0);
    expect(tiered.remoteReadsInFlight).toBe(0);

    expect(await tiered.get("k")).toEqual(v1);
    expect(remote.calls.get).toBe(2);
  });
});

/** Something that changes "k" (or everything) while a read of it is in flight. */
interface Invalidation {
  name: string;
  /** What a get started afterwards must return. */
  after: CachedApiKey | undefined;
  /** True if it leaves the new value in L1 (a local set), so no new L2 read is needed. */
  fillsL1?: boolean;
  run(b: TieredInstance, peer: TieredInstance): Promise<void>;
}

const invalidations: Invalidation[] = [
  { name: "a local delete", after: undefined, run: (b) => b.tiered.delete("k") },
  { name: "a local set", after: v2, fillsL1: true, run: (b) => b.tiered.set("k", v2, 60) },
  { name: "a local clear", after: undefined, run: (b) => b.tiered.clear() },
  {
    name: "a peer's delete (bus message)",
    after: undefined,
    run: async (_b, peer) => {
      await peer.tiered.delete("k");
      await cluster.network.settled();
    },
  },
  {
    name: "a peer's clear (bus message)",
    after: undefined,
    run: async (_b, peer) => {
      await peer.tiered.clear();
      await cluster.network.settled();
    },
  },
  {
    name: "a bus disconnect (the write's message is lost)",
    after: v2,
    run: async (b) => {
      await cluster.store.set("k", v2, 60);
      await b.bus.simulateDisconnect();
    },
  },
  {
    name: "a bus resubscription (messages may have been missed)",
    after: v2,
    run: async (b) => {
      await cluster.store.set("k", v2, 60);
      await b.bus.simulateDisconnect();
      await b.bus.simulateReconnect();
    },
  },
];

describe("TieredApiKeyCacheBackend: a read sent before an invalidation is never shared after it", () => {
  it.each(invalidations)("$name", async ({ after, fillsL1, run }) => {
    const peer = cluster.instance();
    const b = await coldInstance();
    expect(await waitFor(() => peer.tiered.l1Enabled)).toBe(true);
    // Two callers before the invalidation share the first read.
    const before = await heldGets(b, 2);
    expect(b.remote.calls.get).toBe(1);

    await run(b, peer);
    // Started after it: served by L1 or by a read of its own, held too so that the first
    // read's release cannot be what answers them.
    const later = b.tiered.get("k");
    const joinedLater = b.tiered.get("k");
    const reads = fillsL1 === true ? 1 : 2;
    if (fillsL1 === true) expect(await later).toEqual(after);
    else expect(await waitFor(() => b.remote.heldReads === 2)).toBe(true);
    expect(b.remote.calls.get).toBe(reads);
    b.remote.holdReads = false;
    b.remote.releaseReads();

    // Overlapping the invalidation, the first callers may return the old value.
    expect(await Promise.all(before)).toEqual([v1, v1]);
    expect(await later).toEqual(after);
    expect(await joinedLater).toEqual(after);
    expect(b.remote.calls.get).toBe(reads);
    expect(b.tiered.remoteReadsInFlight).toBe(0);
    // And the old reply did not fill L1.
    expect(await b.tiered.get("k")).toEqual(after);
  });
});

describe("TieredApiKeyCacheBackend: a shared reply is never older than an L1 copy could be", () => {
  it("a read in flight for localTtlSeconds or more is not joined", async () => {
    const b = await coldInstance(0.05);
    const sentAt = performance.now();
    const [first] = await heldGets(b, 1);
    expect(await waitFor(() => performance.now() - sentAt > 60)).toBe(true);
    const later = b.tiered.get("k");
    expect(await waitFor(() => b.remote.heldReads === 2)).toBe(true);
    expect(b.remote.calls.get).toBe(2);
    b.remote.holdReads = false;
    b.remote.releaseReads();
    expect(await first).toEqual(v1);
    expect(await later).toEqual(v1);
    expect(b.tiered.remoteReadsInFlight).toBe(0);
  });

  it("a caller that joined after the entry's L2 TTL (from the send time) ran out reads again", async () => {
    const b = await coldInstance();
    await cluster.store.set("k", v1, 0.05);
    const [first] = await heldGets(b, 1);
    // The entry expires in L2 while its read is held; a caller arriving now joins the read...
    expect(await waitFor(() => cluster.store.size === 0)).toBe(true);
    const later = b.tiered.get("k");
    await Promise.resolve();
    expect(b.remote.calls.get).toBe(1);
    b.remote.holdReads = false;
    b.remote.releaseReads();
    // ...but the reply may describe an entry gone before it arrived, so it asks L2 again.
    expect(await first).toEqual(v1);
    expect(await later).toBeUndefined();
    expect(b.remote.calls.get).toBe(2);
    expect(b.tiered.remoteReadsInFlight).toBe(0);
  });
});
