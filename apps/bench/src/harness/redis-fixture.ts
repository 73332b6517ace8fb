/**
 * The Redis contenders shared by the redis-get and redis-latency suites: one redis-server, the
 * raw clients (ioredis with auto-pipelining, node-redis with its per-command timeout off), and
 * our two backends on those very clients with batching on and off, all reading the same 10,000
 * keys. Every contender gets the key hash and builds its Redis key from it, as a caller of the
 * raw client would (the backends add their prefix too).
 */
import type { CachedApiKey } from "@apikey/core";
import { encodeCachedApiKey } from "@apikey/core";
import { IoredisApiKeyCacheBackend } from "@apikey/redis-ioredis";
import { NodeRedisApiKeyCacheBackend } from "@apikey/redis-node";
import { type RedisServerHandle, startRedisServer } from "@apikey/redis-test-server";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { batchingOptions } from "./batching.js";
import type { Contender } from "./compare-contenders.js";
import type { ContenderKind } from "./results.js";
import { expectHit, KEY_COUNT, LONG_TTL_SECONDS, makeApiKeys } from "./workload.js";

export const KEY_PREFIX = "bench:apikey:";
export const RAW_IOREDIS = "raw ioredis (auto-pipelining)";
export const OURS_IOREDIS = "IoredisApiKeyCacheBackend";
export const OURS_IOREDIS_OFF = "IoredisApiKeyCacheBackend (batching off)";
export const RAW_NODE = "raw node-redis (timeout 0)";
export const OURS_NODE = "NodeRedisApiKeyCacheBackend";
export const OURS_NODE_OFF = "NodeRedisApiKeyCacheBackend (batching off)";

/** A contender of the fixture, with what it is. */
export interface RedisContender extends Contender {
  kind: ContenderKind;
  batching: "on" | "off" | "-";
}

/** A running fixture; `close()` quits every client and stops the server. */
export interface RedisGetFixture {
  server: RedisServerHandle;
  hashes: readonly string[];
  records: readonly CachedApiKey[];
  /** Raw ioredis, ours on ioredis (on, off), raw node-redis, ours on node-redis (on, off). */
  contenders: RedisContender[];
  /** Register more cleanup, run before the built-in one. */
  onClose(close: () => Promise<unknown>): void;
  close(): Promise<void>;
}

/** Start a server, fill it with {@link KEY_COUNT} records and build the contenders. */
export async function startRedisGetFixture(): Promise<RedisGetFixture> {
  const server = await startRedisServer();
  const closers: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    for (const closer of closers.reverse()) {
      await closer().catch((error: unknown) => console.error("close failed:", error));
    }
    await server.stop();
  };
  try {
    const keys = makeApiKeys(KEY_COUNT);
    const hashes = keys.map((key) => key.hash);
    const pick = (sequence: number): string => hashes[sequence % KEY_COUNT] as string;

    const ioredis = new Redis(server.url, { enableAutoPipelining: true });
    closers.push(() => ioredis.quit());
    const nodeRedis = createClient({ url: server.url, commandOptions: { timeout: 0 } });
    nodeRedis.on("error", (error: unknown) => console.error("node-redis (timeout 0):", error));
    await nodeRedis.connect();
    closers.push(() => nodeRedis.close());

    const backend = (client: "ioredis" | "node", batching: "on" | "off") => {
      const options = { keyPrefix: KEY_PREFIX, ...batchingOptions(batching) };
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

    for (let start = 0; start < KEY_COUNT; start += 1000) {
      await Promise.all(
        keys
          .slice(start, start + 1000)
          .map((key) =>
            ioredis.set(
              KEY_PREFIX + key.hash,
              encodeCachedApiKey(key.record),
              "PX",
              LONG_TTL_SECONDS * 1000,
            ),
          ),
      );
    }

    const contenders: RedisContender[] = [
      {
        name: RAW_IOREDIS,
        kind: "raw",
        batching: "-",
        operation: async (sequence) =>
          JSON.parse(expectHit(await ioredis.get(KEY_PREFIX + pick(sequence)))) as CachedApiKey,
      },
      {
        name: OURS_IOREDIS,
        kind: "ours",
        batching: "on",
        operation: async (sequence) => expectHit(await oursIoredis.get(pick(sequence))),
      },
      {
        name: OURS_IOREDIS_OFF,
        kind: "ours",
        batching: "off",
        operation: async (sequence) => expectHit(await oursIoredisOff.get(pick(sequence))),
      },
      {
        name: RAW_NODE,
        kind: "raw",
        batching: "-",
        operation: async (sequence) =>
          JSON.parse(expectHit(await nodeRedis.get(KEY_PREFIX + pick(sequence)))) as CachedApiKey,
      },
      {
        name: OURS_NODE,
        kind: "ours",
        batching: "on",
        operation: async (sequence) => expectHit(await oursNode.get(pick(sequence))),
      },
      {
        name: OURS_NODE_OFF,
        kind: "ours",
        batching: "off",
        operation: async (sequence) => expectHit(await oursNodeOff.get(pick(sequence))),
      },
    ];
    return {
      server,
      hashes,
      records: keys.map((key) => key.record),
      contenders,
      onClose: (closer) => closers.push(closer),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
