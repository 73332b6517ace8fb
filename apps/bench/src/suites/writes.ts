/**
 * writes: `set` and `delete` throughput, 256 in flight, 10,000 rotating keys. Each of our
 * backends against its floor: a `Map` for memory; for Redis, the very client the backend wraps
 * sending the same command (`SET key json PX ttl` after `JSON.stringify`, `UNLINK key`).
 * Deletes run after the sets and rotate over the same keys, so after the first pass they
 * mostly find nothing to remove: every contender alike. No goal (issue 10 sets none for
 * writes); the ratios show what validation, encoding and the deadline cost.
 */
import { type CachedApiKey, encodeCachedApiKey, InMemoryApiKeyCacheBackend } from "@apikey/core";
import { IoredisApiKeyCacheBackend } from "@apikey/redis-ioredis";
import { NodeRedisApiKeyCacheBackend } from "@apikey/redis-node";
import { startRedisServer } from "@apikey/redis-test-server";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { type Contender, compareContenders } from "../harness/compare-contenders.js";
import { type RatioSpec, reportComparison } from "../harness/comparison-report.js";
import type { BenchSuite, SuiteContext } from "../harness/suite.js";
import { KEY_COUNT, LONG_TTL_SECONDS, makeApiKeys } from "../harness/workload.js";

const CONCURRENCY = 256;
const KEY_PREFIX = "bench:writes:";

/** See the module comment. */
export const writesSuite: BenchSuite = {
  name: "writes",
  description: "set and delete throughput: our backends vs a Map and the raw clients",
  async run(context: SuiteContext): Promise<void> {
    const server = await startRedisServer();
    const closers: (() => Promise<unknown>)[] = [];
    try {
      const keys = makeApiKeys(KEY_COUNT);
      const hashes = keys.map((key) => key.hash);
      const records = keys.map((key) => key.record);
      const pick = (sequence: number): number => sequence % KEY_COUNT;
      const ttlMs = LONG_TTL_SECONDS * 1000;

      const ioredis = new Redis(server.url, { enableAutoPipelining: true });
      closers.push(() => ioredis.quit());
      const nodeRedis = createClient({ url: server.url, commandOptions: { timeout: 0 } });
      nodeRedis.on("error", (error: unknown) => console.error("node-redis (timeout 0):", error));
      await nodeRedis.connect();
      closers.push(() => nodeRedis.close());
      const map = new Map<string, { value: CachedApiKey; expiresAt: number }>();
      const memory = new InMemoryApiKeyCacheBackend({ maxEntries: KEY_COUNT * 2 });
      closers.push(() => memory.close());
      const oursIoredis = new IoredisApiKeyCacheBackend(ioredis, { keyPrefix: KEY_PREFIX });
      closers.push(() => oursIoredis.close());
      const oursNode = new NodeRedisApiKeyCacheBackend(nodeRedis, { keyPrefix: KEY_PREFIX });
      closers.push(() => oursNode.close());

      const hash = (sequence: number): string => hashes[pick(sequence)] as string;
      const record = (sequence: number): CachedApiKey => records[pick(sequence)] as CachedApiKey;
      const sets: Contender[] = [
        {
          name: "Map set (floor)",
          operation: async (sequence) => {
            map.set(hash(sequence), {
              value: record(sequence),
              expiresAt: performance.now() + ttlMs,
            });
          },
        },
        {
          name: "InMemoryApiKeyCacheBackend set",
          operation: (sequence) => memory.set(hash(sequence), record(sequence), LONG_TTL_SECONDS),
        },
        {
          name: "raw ioredis SET PX",
          operation: (sequence) =>
            ioredis.set(
              KEY_PREFIX + hash(sequence),
              encodeCachedApiKey(record(sequence)),
              "PX",
              ttlMs,
            ),
        },
        {
          name: "IoredisApiKeyCacheBackend set",
          operation: (sequence) =>
            oursIoredis.set(hash(sequence), record(sequence), LONG_TTL_SECONDS),
        },
        {
          name: "raw node-redis SET PX",
          operation: (sequence) =>
            nodeRedis.set(KEY_PREFIX + hash(sequence), encodeCachedApiKey(record(sequence)), {
              expiration: { type: "PX", value: ttlMs },
            }),
        },
        {
          name: "NodeRedisApiKeyCacheBackend set",
          operation: (sequence) => oursNode.set(hash(sequence), record(sequence), LONG_TTL_SECONDS),
        },
      ];
      const deletes: Contender[] = [
        { name: "Map delete (floor)", operation: async (sequence) => map.delete(hash(sequence)) },
        {
          name: "InMemoryApiKeyCacheBackend delete",
          operation: (sequence) => memory.delete(hash(sequence)),
        },
        {
          name: "raw ioredis UNLINK",
          operation: (sequence) => ioredis.unlink(KEY_PREFIX + hash(sequence)),
        },
        {
          name: "IoredisApiKeyCacheBackend delete",
          operation: (sequence) => oursIoredis.delete(hash(sequence)),
        },
        {
          name: "raw node-redis UNLINK",
          operation: (sequence) => nodeRedis.unlink(KEY_PREFIX + hash(sequence)),
        },
        {
          name: "NodeRedisApiKeyCacheBackend delete",
          operation: (sequence) => oursNode.delete(hash(sequence)),
        },
      ];
      const { durationMs, warmupMs, runs } = context.options;
      for (const [label, contenders] of [
        ["set", sets],
        ["delete", deletes],
      ] as const) {
        const results = await compareContenders(contenders, {
          concurrency: CONCURRENCY,
          durationMs,
          warmupMs,
          runs,
        });
        // Pairs: (floor, memory), (raw ioredis, ours), (raw node-redis, ours).
        const ratios: RatioSpec[] = [0, 2, 4].map((index) => ({
          contender: (contenders[index + 1] as Contender).name,
          baseline: (contenders[index] as Contender).name,
        }));
        reportComparison({
          suite: "writes",
          title: `writes: ${label}, ${KEY_COUNT.toLocaleString("en-US")} rotating keys, ${CONCURRENCY} in flight, median of ${runs} x ${durationMs / 1000} s`,
          results,
          ratios,
          context,
        });
      }
    } finally {
      for (const close of closers.reverse()) {
        await close().catch((error: unknown) => console.error("close failed:", error));
      }
      await server.stop();
    }
  },
};
