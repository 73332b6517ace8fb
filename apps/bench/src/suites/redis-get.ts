/**
 * redis-get: `get` hits against one throwaway redis-server. Each backend is measured against
 * the very client it wraps doing a bare GET + JSON.parse: ioredis with auto-pipelining, and
 * node-redis with its per-command timeout off (it costs an AbortSignal per command). Our
 * backends keep their own deadline on (default `commandTimeoutMs`). Goal: backend/raw >= 0.9.
 * keyv, cache-manager and bentocache on the same server, and node-redis with its default
 * timeout, are context.
 */

import type { CachedApiKey } from "@apikey/core";
import { encodeCachedApiKey } from "@apikey/core";
import { IoredisApiKeyCacheBackend } from "@apikey/redis-ioredis";
import { NodeRedisApiKeyCacheBackend } from "@apikey/redis-node";
import { startRedisServer } from "@apikey/redis-test-server";
import { createKeyv } from "@keyv/redis";
import { BentoCache, bentostore } from "bentocache";
import { redisDriver } from "bentocache/drivers/redis";
import { createCache } from "cache-manager";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { type Contender, compareContenders } from "../harness/compare-contenders.js";
import { type RatioSpec, reportComparison } from "../harness/comparison-report.js";
import type { BenchSuite, SuiteContext } from "../harness/suite.js";
import { expectHit, KEY_COUNT, LONG_TTL_SECONDS, makeApiKeys } from "../harness/workload.js";

const KEY_PREFIX = "bench:apikey:";
const RAW_IOREDIS = "raw ioredis (auto-pipelining)";
const OURS_IOREDIS = "IoredisApiKeyCacheBackend";
const RAW_NODE = "raw node-redis (timeout 0)";
const OURS_NODE = "NodeRedisApiKeyCacheBackend";
const MAIN_RATIOS: RatioSpec[] = [
  { contender: OURS_IOREDIS, baseline: RAW_IOREDIS, goal: 0.9 },
  { contender: OURS_NODE, baseline: RAW_NODE, goal: 0.9 },
];

/** See the module comment. */
export const redisGetSuite: BenchSuite = {
  name: "redis-get",
  description: "Redis get hits: our backends vs the raw client they wrap, peers for context",
  async run(context: SuiteContext): Promise<void> {
    const server = await startRedisServer();
    const closers: (() => Promise<unknown>)[] = [];
    try {
      const keys = makeApiKeys(KEY_COUNT);
      const hashes = keys.map((key) => key.hash);
      const fullKeys = hashes.map((hash) => `${KEY_PREFIX}${hash}`);
      const ttlMs = LONG_TTL_SECONDS * 1000;
      const pick = (sequence: number): number => sequence % KEY_COUNT;

      const ioredis = new Redis(server.url, { enableAutoPipelining: true });
      closers.push(() => ioredis.quit());
      const nodeRedis = createClient({ url: server.url, commandOptions: { timeout: 0 } });
      nodeRedis.on("error", (error: unknown) => console.error("node-redis (timeout 0):", error));
      await nodeRedis.connect();
      closers.push(() => nodeRedis.close());
      const nodeRedisDefault = createClient({ url: server.url });
      nodeRedisDefault.on("error", (error: unknown) => console.error("node-redis:", error));
      await nodeRedisDefault.connect();
      closers.push(() => nodeRedisDefault.close());

      const oursIoredis = new IoredisApiKeyCacheBackend(ioredis, { keyPrefix: KEY_PREFIX });
      closers.push(() => oursIoredis.close());
      const oursNode = new NodeRedisApiKeyCacheBackend(nodeRedis, { keyPrefix: KEY_PREFIX });
      closers.push(() => oursNode.close());

      const keyv = createKeyv(server.url, { namespace: "bench-keyv" });
      closers.push(() => keyv.disconnect());
      const cacheManager = createCache({
        stores: [createKeyv(server.url, { namespace: "bench-cm" })],
      });
      closers.push(() => cacheManager.disconnect());
      const bento = new BentoCache({
        default: "redis",
        stores: {
          redis: bentostore().useL2Layer(
            redisDriver({ connection: { host: "127.0.0.1", port: server.port } }),
          ),
        },
      });
      closers.push(() => bento.disconnectAll());

      await Promise.all(
        keys.map((key, index) =>
          ioredis.set(fullKeys[index] as string, encodeCachedApiKey(key.record), "PX", ttlMs),
        ),
      );
      for (let start = 0; start < KEY_COUNT; start += 500) {
        await Promise.all(
          keys
            .slice(start, start + 500)
            .flatMap((key) => [
              keyv.set(key.hash, key.record, ttlMs),
              cacheManager.set(key.hash, key.record, ttlMs),
              bento.set({ key: key.hash, value: key.record, ttl: ttlMs }),
            ]),
        );
      }

      // Every contender gets the same key hash and builds its Redis key from it, as a caller of
      // the raw client would (the backends and the peers add their prefix too).
      const rawIoredisGet = async (sequence: number): Promise<CachedApiKey> =>
        JSON.parse(expectHit(await ioredis.get(KEY_PREFIX + hashes[pick(sequence)])));
      const rawNodeGet = async (sequence: number): Promise<CachedApiKey> =>
        JSON.parse(expectHit(await nodeRedis.get(KEY_PREFIX + hashes[pick(sequence)])));
      const main: Contender[] = [
        { name: RAW_IOREDIS, operation: rawIoredisGet },
        {
          name: OURS_IOREDIS,
          operation: async (sequence) =>
            expectHit(await oursIoredis.get(hashes[pick(sequence)] as string)),
        },
        { name: RAW_NODE, operation: rawNodeGet },
        {
          name: OURS_NODE,
          operation: async (sequence) =>
            expectHit(await oursNode.get(hashes[pick(sequence)] as string)),
        },
      ];
      const context256: Contender[] = [
        {
          name: "raw node-redis (default 5 s timeout)",
          operation: async (sequence) =>
            JSON.parse(expectHit(await nodeRedisDefault.get(KEY_PREFIX + hashes[pick(sequence)]))),
        },
        {
          name: "keyv 5 + @keyv/redis",
          operation: async (sequence) =>
            expectHit(await keyv.get(hashes[pick(sequence)] as string)),
        },
        {
          name: "cache-manager 7 + keyv redis",
          operation: async (sequence) =>
            expectHit(await cacheManager.get(hashes[pick(sequence)] as string)),
        },
        {
          name: "bentocache (Redis only)",
          operation: async (sequence) =>
            expectHit(await bento.get({ key: hashes[pick(sequence)] as string })),
        },
      ];

      const { durationMs, warmupMs, runs } = context.options;
      for (const concurrency of [256, 1000]) {
        const contenders = concurrency === 256 ? [...main, ...context256] : main;
        const results = await compareContenders(contenders, {
          concurrency,
          durationMs,
          warmupMs,
          runs,
        });
        reportComparison({
          suite: "redis-get",
          title: `redis-get: GET hits, ${KEY_COUNT.toLocaleString("en-US")} keys, ${concurrency} in flight, median of ${runs} x ${durationMs / 1000} s`,
          results,
          ratios: MAIN_RATIOS,
          goals: context.goals,
          subjectSuffix: ` @${concurrency}`,
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
