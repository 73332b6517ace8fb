/**
 * What the backend writes into Redis, checked with the raw RESP client: the shared wire
 * format, `PX ceil(ttl * 1000)`, and a `clear()` that stays inside its prefix even when the
 * prefix holds glob characters, on one server and on every master of a cluster.
 */

import { type CachedApiKey, silentLogger } from "@apikey/core";
import { clusterKeySlot } from "@apikey/core/redis";
import { useRedisCluster, useRedisServer } from "@apikey/redis-test-server/vitest";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IoredisApiKeyCacheBackend } from "../src/index.js";
import { monitorCommands, ownerIndex, type RawRedis, rawRedis } from "./support/raw-redis.js";
import { testPrefix } from "./support/test-prefix.js";

const GLOB_PREFIXES = ["a*", "b?[x]\\"] as const;
/** Keys the unescaped patterns `a**` and `b?[x]\*` would match, and other strangers. */
const UNRELATED_KEYS = ["aXYZ", "ab:1", "a", "b![x]\\1", "bz[x]\\2", "b?x\\3", "b?[x]", "other:1"];

const record = (n: number): CachedApiKey => ({ apiKey: `key-${n}`, active: n % 2 === 0 });

async function allKeys(nodes: readonly RawRedis[]): Promise<string[]> {
  const keys: string[] = [];
  for (const node of nodes) keys.push(...(await node.keys("*")));
  return keys.sort();
}

describe("standalone server", () => {
  const server = useRedisServer({ spawn: true });
  const raw = rawRedis(() => server.url);
  // The client under test; the server is only ever inspected through `raw`.
  let client: Redis;
  beforeAll(() => {
    client = new Redis(server.url);
  });
  afterAll(async () => {
    await client.quit();
  });

  it("stores compact JSON that a raw client reads, and reads compact JSON a raw client wrote", async () => {
    const backend = new IoredisApiKeyCacheBackend(client, { keyPrefix: testPrefix("wire") });
    const value = { apiKey: "pub_1", active: true, scopes: ["read"], owner: { id: 7 } };
    await backend.set("h1", value, 60);
    expect(await raw.get(`${backend.keyPrefix}h1`)).toBe(JSON.stringify(value));
    await raw.set(`${backend.keyPrefix}h2`, '{"apiKey":"pub_2","active":false,"state":"revoked"}');
    expect(await backend.get("h2")).toEqual({ apiKey: "pub_2", active: false, state: "revoked" });
    await backend.clear();
    await backend.close();
  });

  it.each([0.0015, 0.25, 1.5])("a TTL of %s s is sent as PX ceil(ttl * 1000)", async (ttl) => {
    const backend = new IoredisApiKeyCacheBackend(client, { keyPrefix: testPrefix("ttl") });
    const ceilMs = Math.ceil(ttl * 1000);
    const monitor = await monitorCommands(server.url);
    const seen = monitor.commands;
    try {
      await backend.set("k", record(1), ttl);
      await backend.setIfAbsent("n", record(2), ttl);
      const pttl = await raw.pttl(`${backend.keyPrefix}k`);
      if (ttl >= 0.25) {
        expect(pttl).toBeGreaterThan(0);
        expect(pttl).toBeLessThanOrEqual(ceilMs);
      } else {
        // A 2 ms entry may be at its last millisecond (0) or gone (-2) by the time PTTL arrives.
        expect(pttl === -2 || (pttl >= 0 && pttl <= ceilMs)).toBe(true);
      }
      const deadline = performance.now() + 5000;
      while (seen.filter((args) => args[0]?.toLowerCase() === "set").length < 2) {
        if (performance.now() > deadline) throw new Error("MONITOR did not report both SETs");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      monitor.stop();
    }
    const sets = seen.filter((args) => args[0]?.toLowerCase() === "set");
    expect(sets.map((args) => args.slice(3).map((a) => a.toUpperCase()))).toEqual([
      ["PX", String(ceilMs)],
      ["PX", String(ceilMs), "NX"],
    ]);
    await backend.clear();
    await backend.close();
  });

  it("stores nothing for ttl <= 0", async () => {
    const backend = new IoredisApiKeyCacheBackend(client, { keyPrefix: testPrefix("zero") });
    await backend.set("k", record(1), 0);
    expect(await backend.setIfAbsent("k", record(1), -1)).toBe(false);
    expect(await raw.exists(`${backend.keyPrefix}k`)).toBe(0);
    await backend.close();
  });

  it("clear() with glob characters in the prefix removes exactly its own keys", async () => {
    await raw.flushall();
    const [first, second] = GLOB_PREFIXES.map(
      (keyPrefix) => new IoredisApiKeyCacheBackend(client, { keyPrefix, logger: silentLogger }),
    ) as [IoredisApiKeyCacheBackend, IoredisApiKeyCacheBackend];
    for (let n = 0; n < 30; n++) {
      await first.set(`k${n}`, record(n), 60);
      await second.set(`k${n}`, record(n), 60);
    }
    for (const key of UNRELATED_KEYS) await raw.set(key, "untouched");

    await first.clear();
    const secondKeys = Array.from({ length: 30 }, (_, n) => `${second.keyPrefix}k${n}`);
    expect(await allKeys([raw])).toEqual([...UNRELATED_KEYS, ...secondKeys].sort());

    await second.clear();
    expect(await allKeys([raw])).toEqual([...UNRELATED_KEYS].sort());
    for (const key of UNRELATED_KEYS) expect(await raw.get(key)).toBe("untouched");
    await Promise.all([first.close(), second.close()]);
  });
});

describe("3-master cluster", () => {
  const cluster = useRedisCluster();
  let client: Cluster;
  // The cluster's three masters, each reached directly (read once the cluster has started).
  const nodes = [0, 1, 2].map((index) =>
    rawRedis(() => {
      const node = cluster.nodes[index];
      if (node === undefined) throw new Error(`the cluster has no master ${index}`);
      return node.url;
    }),
  );
  beforeAll(() => {
    client = new Cluster([...cluster.startupNodes]);
  });
  afterAll(async () => {
    await client.quit();
  });

  /** The raw connection to the master that serves `key`. */
  const ownerOf = (key: string): RawRedis => nodes[ownerIndex(key, nodes.length)] as RawRedis;

  /** Which master holds `key`, asked of each master (not computed), or -1. */
  async function nodeIndexOf(key: string): Promise<number> {
    const slot = clusterKeySlot(key);
    for (const [index, node] of nodes.entries()) {
      // Unlike a read of the key, COUNTKEYSINSLOT answers on every master (no MOVED).
      if (Number(await node.command("CLUSTER", "COUNTKEYSINSLOT", slot)) > 0) return index;
    }
    return -1;
  }

  it("clear() with glob characters in the prefix removes exactly its own keys on every master", async () => {
    const [first, second] = GLOB_PREFIXES.map(
      (keyPrefix) => new IoredisApiKeyCacheBackend(client, { keyPrefix, logger: silentLogger }),
    ) as [IoredisApiKeyCacheBackend, IoredisApiKeyCacheBackend];
    const count = 60;
    for (let n = 0; n < count; n++) {
      await first.set(`k${n}`, record(n), 60);
      await second.set(`k${n}`, record(n), 60);
    }
    const strangers = [...UNRELATED_KEYS, ...Array.from({ length: 20 }, (_, n) => `aX${n}`)];
    for (const key of strangers) await ownerOf(key).set(key, "untouched");

    // The fixture is only meaningful if every master holds keys of each kind.
    const holders = async (keys: string[]): Promise<Set<number>> =>
      new Set(await Promise.all(keys.map(nodeIndexOf)));
    const firstKeys = Array.from({ length: count }, (_, n) => `${first.keyPrefix}k${n}`);
    const secondKeys = Array.from({ length: count }, (_, n) => `${second.keyPrefix}k${n}`);
    expect(await holders(firstKeys)).toEqual(new Set([0, 1, 2]));
    expect(await holders(strangers)).toEqual(new Set([0, 1, 2]));

    await first.clear();
    expect(await allKeys(nodes)).toEqual([...strangers, ...secondKeys].sort());
    await second.clear();
    expect(await allKeys(nodes)).toEqual([...strangers].sort());
    for (const key of strangers) expect(await ownerOf(key).get(key)).toBe("untouched");
    await Promise.all([first.close(), second.close()]);
  });
});
