/**
 * The six Redis `get` contenders every Redis suite compares, on clients the suite built (one
 * server or a cluster): the raw ioredis and node-redis clients doing GET + JSON.parse, and our
 * two backends on those very clients with batching on and off. Also seeds the keys they read.
 */
import type { CachedApiKey } from "@apikey/core";
import { encodeCachedApiKey } from "@apikey/core";
import { IoredisApiKeyCacheBackend, type IoredisClient } from "@apikey/redis-ioredis";
import { NodeRedisApiKeyCacheBackend, type NodeRedisClientOrCluster } from "@apikey/redis-node";
import { batchingOptions } from "./batching.js";
import type { Contender } from "./compare-contenders.js";
import type { ContenderKind } from "./results.js";
import { type ApiKeyFixture, expectHit, LONG_TTL_SECONDS } from "./workload.js";

/** A contender with what it is. */
export interface RedisContender extends Contender {
  kind: ContenderKind;
  batching: "on" | "off" | "-";
}

/** The row names of the six contenders. */
export interface RedisContenderNames {
  rawIoredis: string;
  oursIoredis: string;
  oursIoredisOff: string;
  rawNode: string;
  oursNode: string;
  oursNodeOff: string;
}

/** What the contenders read and run on; `closers` gets the backends' `close()`. */
export interface RedisContenderSetup {
  ioredis: IoredisClient;
  /** A node-redis client or cluster (its `get` is what the raw contender calls). */
  nodeRedis: NodeRedisClientOrCluster & { get(key: string): Promise<string | null> };
  keyPrefix: string;
  keys: readonly ApiKeyFixture[];
  names: RedisContenderNames;
  closers: (() => Promise<unknown>)[];
}

/** Write every key (through ioredis, 1,000 at a time) and build the six contenders. */
export async function seedRedisContenders(setup: RedisContenderSetup): Promise<RedisContender[]> {
  const { ioredis, nodeRedis, keyPrefix, keys, names, closers } = setup;
  const hashes = keys.map((key) => key.hash);
  const pick = (sequence: number): string => hashes[sequence % hashes.length] as string;
  const backend = (client: "ioredis" | "node", batching: "on" | "off") => {
    const options = { keyPrefix, ...batchingOptions(batching) };
    const created =
      client === "ioredis"
        ? new IoredisApiKeyCacheBackend(ioredis, options)
        : new NodeRedisApiKeyCacheBackend(nodeRedis, options);
    closers.push(() => created.close());
    return created;
  };
  const oursIoredis = backend("ioredis", "on");
  const oursIoredisOff = backend("ioredis", "off");
  const oursNode = backend("node", "on");
  const oursNodeOff = backend("node", "off");

  for (let start = 0; start < keys.length; start += 1000) {
    await Promise.all(
      keys
        .slice(start, start + 1000)
        .map((key) =>
          ioredis.set(
            keyPrefix + key.hash,
            encodeCachedApiKey(key.record),
            "PX",
            LONG_TTL_SECONDS * 1000,
          ),
        ),
    );
  }

  return [
    {
      name: names.rawIoredis,
      kind: "raw",
      batching: "-",
      operation: async (sequence) =>
        JSON.parse(expectHit(await ioredis.get(keyPrefix + pick(sequence)))) as CachedApiKey,
    },
    {
      name: names.oursIoredis,
      kind: "ours",
      batching: "on",
      operation: async (sequence) => expectHit(await oursIoredis.get(pick(sequence))),
    },
    {
      name: names.oursIoredisOff,
      kind: "ours",
      batching: "off",
      operation: async (sequence) => expectHit(await oursIoredisOff.get(pick(sequence))),
    },
    {
      name: names.rawNode,
      kind: "raw",
      batching: "-",
      operation: async (sequence) =>
        JSON.parse(expectHit(await nodeRedis.get(keyPrefix + pick(sequence)))) as CachedApiKey,
    },
    {
      name: names.oursNode,
      kind: "ours",
      batching: "on",
      operation: async (sequence) => expectHit(await oursNode.get(pick(sequence))),
    },
    {
      name: names.oursNodeOff,
      kind: "ours",
      batching: "off",
      operation: async (sequence) => expectHit(await oursNodeOff.get(pick(sequence))),
    },
  ];
}
