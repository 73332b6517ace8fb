/**
 * An L1 copy never outlives the L2 entry it copies. On a fake clock shared by L1, L2 and the
 * tiered backend, so every lifetime is exact: a copy read from L2 expires with the entry's
 * remaining L2 TTL (L2's `getWithTtl`), an entry found by setIfAbsent/setIfAbsentGet does not
 * fill L1 with a lifetime it does not know, and an L2 without `getWithTtl` keeps the documented
 * `localTtlSeconds` bound.
 */

import {
  type ApiKeyCacheBackend,
  InMemoryApiKeyCacheBackend,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import { createInProcessBusNetwork, type InProcessBusNetwork } from "@apikey/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "./tiered-harness.js";

const v1 = { apiKey: "k-1", active: true };
const v2 = { apiKey: "k-2", active: false };
const LOCAL_TTL_SECONDS = 5;

let now = 0;
const clock = (): number => now;
let network: InProcessBusNetwork;
let store: InMemoryApiKeyCacheBackend;
let opened: TieredApiKeyCacheBackend[];

beforeEach(() => {
  now = 0;
  network = createInProcessBusNetwork();
  store = new InMemoryApiKeyCacheBackend({ now: clock });
  opened = [];
});
afterEach(async () => {
  await Promise.allSettled(opened.map((tiered) => tiered.close()));
  await network.close();
  await store.close();
});

/** The shared store as L2 (left open by the tiered backend's close), with or without getWithTtl. */
function remoteOf(withTtl: boolean): ApiKeyCacheBackend {
  const remote: ApiKeyCacheBackend = {
    get: (key) => store.get(key),
    set: (key, value, ttl) => store.set(key, value, ttl),
    setIfAbsent: (key, value, ttl) => store.setIfAbsent(key, value, ttl),
    setIfAbsentGet: (key, value, ttl) => store.setIfAbsentGet(key, value, ttl),
    delete: (key) => store.delete(key),
    clear: () => store.clear(),
    close: async () => {},
  };
  return withTtl ? { ...remote, getWithTtl: (key) => store.getWithTtl(key) } : remote;
}

/** A tiered instance on the fake clock whose bus subscription is confirmed (L1 on). */
async function tieredOn(remote: ApiKeyCacheBackend): Promise<{
  tiered: TieredApiKeyCacheBackend;
  local: InMemoryApiKeyCacheBackend;
}> {
  const local = new InMemoryApiKeyCacheBackend({ now: clock });
  const tiered = new TieredApiKeyCacheBackend({
    local,
    remote,
    bus: network.createBus(),
    localTtlSeconds: LOCAL_TTL_SECONDS,
    logger: silentLogger,
    now: clock,
  });
  opened.push(tiered);
  expect(await waitFor(() => tiered.l1Enabled)).toBe(true);
  return { tiered, local };
}

describe("TieredApiKeyCacheBackend: L1 copies expire with the L2 entry", () => {
  it("a copy read from L2 expires with the entry's remaining L2 TTL, not localTtlSeconds", async () => {
    const { tiered, local } = await tieredOn(remoteOf(true));
    // Written by a peer with a short TTL: no fill here, no bus message that matters.
    await store.set("k", v1, 0.25);
    now += 100;
    expect(await tiered.get("k")).toEqual(v1);
    expect(await local.getWithTtl("k")).toEqual({ value: v1, ttlMs: 150 });
    now += 149;
    expect(await tiered.get("k")).toEqual(v1);
    now += 1;
    expect(await tiered.get("k")).toBeUndefined();
    expect(local.size).toBe(0);
  });

  it("set(b, v, 0.25) before L1 is on, setIfAbsentGet(b, v, -1), 250 ms later get(b) is a miss (model seed 1341273888)", async () => {
    const local = new InMemoryApiKeyCacheBackend({ now: clock });
    const tiered = new TieredApiKeyCacheBackend({
      local,
      remote: remoteOf(true),
      bus: network.createBus(),
      localTtlSeconds: LOCAL_TTL_SECONDS,
      logger: silentLogger,
      now: clock,
    });
    opened.push(tiered);
    // Written while the subscription is not yet confirmed: L2 only, no L1 copy.
    expect(tiered.l1Enabled).toBe(false);
    await tiered.set("b", v1, 0.25);
    expect(await waitFor(() => tiered.l1Enabled)).toBe(true);
    expect(await tiered.setIfAbsentGet("b", v1, -1)).toEqual(v1);
    now += 250;
    expect(await tiered.get("b")).toBeUndefined();
  });

  it("an entry found by setIfAbsent or setIfAbsentGet never gets an L1 copy longer than its TTL", async () => {
    const { tiered } = await tieredOn(remoteOf(true));
    const peer = await tieredOn(remoteOf(true));
    await peer.tiered.set("a", v1, 0.25);
    await peer.tiered.set("b", v1, 0.25);
    expect(await tiered.setIfAbsent("a", v2, 60)).toBe(false);
    expect(await tiered.setIfAbsentGet("b", v2, 60)).toEqual(v1);
    now += 249;
    expect(await tiered.get("a")).toEqual(v1);
    expect(await tiered.get("b")).toEqual(v1);
    now += 1;
    expect(await tiered.get("a")).toBeUndefined();
    expect(await tiered.get("b")).toBeUndefined();
  });

  it("a write's L1 copy lives exactly its TTL in whole milliseconds, rounded up like L2's", async () => {
    const { tiered } = await tieredOn(remoteOf(true));
    await tiered.set("k", v1, 0.0004);
    await tiered.set("j", v1, 2.007);
    expect(await tiered.get("k")).toEqual(v1);
    now += 1;
    expect(await tiered.get("k")).toBeUndefined();
    now += 2_005;
    expect(await tiered.get("j")).toEqual(v1);
    now += 1;
    expect(await tiered.get("j")).toBeUndefined();
  });

  it("getWithTtl: an L1 hit reports its copy's life, a miss what L2 has left", async () => {
    const { tiered } = await tieredOn(remoteOf(true));
    expect(tiered.getWithTtl).toBeTypeOf("function");
    await store.set("k", v1, 60);
    now += 1_000;
    // A miss: L2's remaining TTL.
    expect(await tiered.getWithTtl?.("k")).toEqual({ value: v1, ttlMs: 59_000 });
    now += 1_000;
    // An L1 hit: the copy's life, capped by localTtlSeconds from the read.
    expect(await tiered.getWithTtl?.("k")).toEqual({
      value: v1,
      ttlMs: LOCAL_TTL_SECONDS * 1000 - 1_000,
    });
    expect(await tiered.getWithTtl?.("absent")).toBeUndefined();
    await tiered.close();
    await expect(tiered.getWithTtl?.("k")).rejects.toMatchObject({ code: "E_CLOSED" });
  });

  it("over an L2 without getWithTtl: no getWithTtl, and a read's copy lives localTtlSeconds (documented)", async () => {
    const { tiered } = await tieredOn(remoteOf(false));
    expect("getWithTtl" in tiered).toBe(false);
    await store.set("k", v1, 0.25);
    expect(await tiered.get("k")).toEqual(v1);
    now += 250;
    expect(await store.get("k")).toBeUndefined();
    // The copy cannot know the entry's TTL: served until localTtlSeconds after the read.
    expect(await tiered.get("k")).toEqual(v1);
    now += LOCAL_TTL_SECONDS * 1000 - 250;
    expect(await tiered.get("k")).toBeUndefined();
  });
});
