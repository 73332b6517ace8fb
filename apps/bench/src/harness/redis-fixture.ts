/**
 * The Redis contenders shared by the redis-get and redis-latency suites: one redis-server, the
 * raw clients (ioredis with auto-pipelining, node-redis with its per-command timeout off), and
 * our two backends on those very clients with batching on and off, all reading the same 10,000
 * keys. Every contender gets the key hash and builds its Redis key from it, as a caller of the
 * raw client would (the backends add their prefix too).
 */
import type { CachedApiKey } from "@apikey/core";
import { type RedisServerHandle, startRedisServer } from "@apikey/redis-test-server";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { type RedisContender, seedRedisContenders } from "./redis-contenders.js";
import { KEY_COUNT, makeApiKeys } from "./workload.js";

export type { RedisContender } from "./redis-contenders.js";

export const KEY_PREFIX = "bench:apikey:";
export const RAW_IOREDIS = "raw ioredis (auto-pipelining)";
export const OURS_IOREDIS = "IoredisApiKeyCacheBackend";
export const OURS_IOREDIS_OFF = "IoredisApiKeyCacheBackend (batching off)";
export const RAW_NODE = "raw node-redis (timeout 0)";
export const OURS_NODE = "NodeRedisApiKeyCacheBackend";
export const OURS_NODE_OFF = "NodeRedisApiKeyCacheBackend (batching off)";

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
    const ioredis = new Redis(server.url, { enableAutoPipelining: true });
    closers.push(() => ioredis.quit());
    const nodeRedis = createClient({ url: server.url, commandOptions: { timeout: 0 } });
    nodeRedis.on("error", (error: unknown) => console.error("node-redis (timeout 0):", error));
    await nodeRedis.connect();
    closers.push(() => nodeRedis.close());

    const contenders = await seedRedisContenders({
      ioredis,
      nodeRedis,
      keyPrefix: KEY_PREFIX,
      keys,
      names: {
        rawIoredis: RAW_IOREDIS,
        oursIoredis: OURS_IOREDIS,
        oursIoredisOff: OURS_IOREDIS_OFF,
        rawNode: RAW_NODE,
        oursNode: OURS_NODE,
        oursNodeOff: OURS_NODE_OFF,
      },
      closers,
    });
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
