import { describeBackendConformance } from "@apikey/conformance";
import { silentLogger } from "@apikey/core";
import { clusterKeySlot } from "@apikey/core/redis";
import { redisCommand, splitSlots } from "@apikey/redis-test-server";
import { useRedisCluster } from "@apikey/redis-test-server/vitest";
import type { RedisClusterType } from "redis";
import { beforeAll, describe, expect, it } from "vitest";
import { NodeRedisApiKeyCacheBackend, nodeRedisDriver } from "../src/index.js";
import { connectedCluster, randomPrefix } from "./test-clients.js";

const cluster = useRedisCluster();
let client: RedisClusterType;
let peerClient: RedisClusterType;

beforeAll(async () => {
  client = await connectedCluster(cluster.urls);
  peerClient = await connectedCluster(cluster.urls);
});

describeBackendConformance("NodeRedisApiKeyCacheBackend (3-master cluster)", {
  createBackend: () =>
    new NodeRedisApiKeyCacheBackend(client, { keyPrefix: randomPrefix(), logger: silentLogger }),
  createPeer: (backend) =>
    new NodeRedisApiKeyCacheBackend(peerClient, {
      keyPrefix: backend.keyPrefix,
      logger: silentLogger,
    }),
  dispose: async (backend) => {
    await backend.clear();
    await backend.close();
  },
  capabilities: { sharedBetweenInstances: true },
});

/** Keys under `pattern` on one node, read with a raw connection (SCAN, not the backend). */
async function keysOnNode(url: string, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  for (let page = 0; page < 10_000; page++) {
    const reply = (await redisCommand(url, "SCAN", cursor, "COUNT", 1000)) as [string, string[]];
    cursor = reply[0];
    found.push(...reply[1].filter((key) => key.startsWith(prefix)));
    if (cursor === "0") break;
  }
  return found;
}

/** Cache keys whose full key lands on each master (the cluster's `splitSlots` ranges, in node order). */
function cacheKeysPerMaster(prefix: string, perMaster: number): string[] {
  const ranges = splitSlots(cluster.nodes.length);
  const buckets: string[][] = ranges.map(() => []);
  for (let i = 0; buckets.some((bucket) => bucket.length < perMaster) && i < 100_000; i++) {
    const cacheKey = `k${i}`;
    const slot = clusterKeySlot(prefix + cacheKey);
    const owner = ranges.findIndex(([first, last]) => slot >= first && slot <= last);
    const bucket = buckets[owner];
    if (bucket !== undefined && bucket.length < perMaster) bucket.push(cacheKey);
  }
  return buckets.flat();
}

describe("NodeRedisApiKeyCacheBackend on a cluster", () => {
  it("clear() removes its keys on every master, and only its own (glob characters in the prefix)", async () => {
    const id = randomPrefix("").slice(1);
    const prefix = `b?[x]\\*${id}`;
    const backend = new NodeRedisApiKeyCacheBackend(client, {
      keyPrefix: prefix,
      logger: silentLogger,
    });
    const cacheKeys = cacheKeysPerMaster(prefix, 40);
    await Promise.all(cacheKeys.map((key) => backend.set(key, { apiKey: key, active: true }, 60)));
    // Keys the unescaped glob `b?[x]\*...*` would match, and a longer unrelated prefix.
    const strangers: string[] = [];
    for (const other of [`bqx*${id}`, `b?[x]\\${id}`, `x${prefix}`]) {
      strangers.push(...cacheKeysPerMaster(other, 5).map((key) => other + key));
    }
    await Promise.all(strangers.map((key) => client.set(key, "x", { PX: 60_000 })));

    for (const node of cluster.nodes) expect((await keysOnNode(node.url, prefix)).length).toBe(40);
    await backend.clear();
    for (const node of cluster.nodes) expect(await keysOnNode(node.url, prefix)).toEqual([]);
    const survivors = await Promise.all(strangers.map((key) => client.get(key)));
    expect(survivors.every((value) => value === "x")).toBe(true);
    await Promise.all(strangers.map((key) => client.del(key)));
    await backend.close();
  });

  it("a driver-built cluster backend works and owns its client", async () => {
    const backend = nodeRedisDriver.createBackend({
      url: cluster.seedUrl,
      cluster: true,
      keyPrefix: randomPrefix(),
      logger: silentLogger,
    }) as NodeRedisApiKeyCacheBackend;
    const cacheKeys = cacheKeysPerMaster(backend.keyPrefix, 3);
    await Promise.all(cacheKeys.map((key) => backend.set(key, { apiKey: key, active: true }, 60)));
    expect(await backend.get(cacheKeys[0] as string)).toEqual({
      apiKey: cacheKeys[0],
      active: true,
    });
    expect(
      await backend.setIfAbsentGet(cacheKeys[1] as string, { apiKey: "other", active: false }, 60),
    ).toEqual({ apiKey: cacheKeys[1], active: true });
    await backend.clear();
    for (const node of cluster.nodes)
      expect(await keysOnNode(node.url, backend.keyPrefix)).toEqual([]);
    await backend.close();
    expect(backend.client.isOpen).toBe(false);
  });
});
