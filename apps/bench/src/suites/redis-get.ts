/**
 * redis-get: `get` hits against one throwaway redis-server. Each backend, batching on and off,
 * is measured against the very client it wraps doing a bare GET + JSON.parse: ioredis with
 * auto-pipelining, and node-redis with its per-command timeout off (it costs an AbortSignal per
 * command). Our backends keep their own deadline on (default `commandTimeoutMs`). Goals
 * (issue 10): with batching on, at least 1.5x the raw client at 256 in flight and at least 0.9x
 * at 1 in flight; the ioredis backend at least 0.9x raw even with batching off. At 256 in
 * flight, keyv + @keyv/redis, cache-manager over keyv and bentocache's Redis driver on the same
 * server, and node-redis with its default timeout, are measured in the same rounds; and the
 * Redis commands each contender sends per `get` are counted (`INFO commandstats`).
 */
import { createKeyv } from "@keyv/redis";
import { BentoCache, bentostore } from "bentocache";
import { redisDriver } from "bentocache/drivers/redis";
import { createCache } from "cache-manager";
import { createClient } from "redis";
import { runClosedLoop } from "../harness/closed-loop.js";
import { compareContenders } from "../harness/compare-contenders.js";
import { type RatioSpec, reportComparison } from "../harness/comparison-report.js";
import { redisCommandCalls } from "../harness/redis-command-count.js";
import {
  KEY_PREFIX,
  OURS_IOREDIS,
  OURS_IOREDIS_OFF,
  OURS_NODE,
  OURS_NODE_OFF,
  RAW_IOREDIS,
  RAW_NODE,
  type RedisContender,
  startRedisGetFixture,
} from "../harness/redis-fixture.js";
import { reportTable } from "../harness/report-table.js";
import type { BenchSuite, SuiteContext } from "../harness/suite.js";
import { expectHit, KEY_COUNT, LONG_TTL_SECONDS } from "../harness/workload.js";

const KEYV = "keyv 5 + @keyv/redis";
const CACHE_MANAGER = "cache-manager 7 + keyv redis";
const BENTO = "bentocache (Redis only)";
const NODE_DEFAULT = "raw node-redis (default 5 s timeout)";
const CONCURRENCIES = [256, 1, 1000] as const;

/** The ratios and goals at one concurrency. */
function ratiosAt(concurrency: number): RatioSpec[] {
  const batchedGoal = concurrency === 256 ? 1.5 : concurrency === 1 ? 0.9 : undefined;
  const on = (contender: string, baseline: string): RatioSpec =>
    batchedGoal === undefined
      ? { contender, baseline }
      : { contender, baseline, goal: batchedGoal };
  const ratios: RatioSpec[] = [
    on(OURS_IOREDIS, RAW_IOREDIS),
    concurrency === 256
      ? { contender: OURS_IOREDIS_OFF, baseline: RAW_IOREDIS, goal: 0.9 }
      : { contender: OURS_IOREDIS_OFF, baseline: RAW_IOREDIS },
    on(OURS_NODE, RAW_NODE),
    { contender: OURS_NODE_OFF, baseline: RAW_NODE },
  ];
  if (concurrency === 256) {
    ratios.push(
      { contender: NODE_DEFAULT, baseline: RAW_NODE, kind: "raw" },
      { contender: KEYV, baseline: RAW_NODE, kind: "peer" },
      { contender: CACHE_MANAGER, baseline: RAW_NODE, kind: "peer" },
      { contender: BENTO, baseline: RAW_IOREDIS, kind: "peer" },
      { contender: OURS_NODE, baseline: KEYV },
      { contender: OURS_IOREDIS, baseline: BENTO },
    );
  }
  return ratios;
}

/** See the module comment. */
export const redisGetSuite: BenchSuite = {
  name: "redis-get",
  description: "Redis get hits: our backends (batching on/off) vs the raw client they wrap, peers",
  async run(context: SuiteContext): Promise<void> {
    const fixture = await startRedisGetFixture();
    try {
      const { server, hashes, records } = fixture;
      const ttlMs = LONG_TTL_SECONDS * 1000;
      const pick = (sequence: number): string => hashes[sequence % KEY_COUNT] as string;

      const nodeRedisDefault = createClient({ url: server.url });
      nodeRedisDefault.on("error", (error: unknown) => console.error("node-redis:", error));
      await nodeRedisDefault.connect();
      fixture.onClose(() => nodeRedisDefault.close());
      const keyv = createKeyv(server.url, { namespace: "bench-keyv" });
      fixture.onClose(() => keyv.disconnect());
      const cacheManager = createCache({
        stores: [createKeyv(server.url, { namespace: "bench-cm" })],
      });
      fixture.onClose(() => cacheManager.disconnect());
      const bento = new BentoCache({
        default: "redis",
        stores: {
          redis: bentostore().useL2Layer(
            redisDriver({ connection: { host: "127.0.0.1", port: server.port } }),
          ),
        },
      });
      fixture.onClose(() => bento.disconnectAll());
      for (let start = 0; start < KEY_COUNT; start += 500) {
        const batch: Promise<unknown>[] = [];
        for (let index = start; index < Math.min(KEY_COUNT, start + 500); index++) {
          const hash = hashes[index] as string;
          const record = records[index];
          batch.push(
            keyv.set(hash, record, ttlMs),
            cacheManager.set(hash, record, ttlMs),
            bento.set({ key: hash, value: record, ttl: ttlMs }),
          );
        }
        await Promise.all(batch);
      }
      const peers: RedisContender[] = [
        {
          name: NODE_DEFAULT,
          kind: "raw",
          batching: "-",
          operation: async (sequence) =>
            JSON.parse(expectHit(await nodeRedisDefault.get(KEY_PREFIX + pick(sequence)))),
        },
        {
          name: KEYV,
          kind: "peer",
          batching: "-",
          operation: async (sequence) => expectHit(await keyv.get(pick(sequence))),
        },
        {
          name: CACHE_MANAGER,
          kind: "peer",
          batching: "-",
          operation: async (sequence) => expectHit(await cacheManager.get(pick(sequence))),
        },
        {
          name: BENTO,
          kind: "peer",
          batching: "-",
          operation: async (sequence) => expectHit(await bento.get({ key: pick(sequence) })),
        },
      ];

      const { durationMs, warmupMs, runs } = context.options;
      for (const concurrency of CONCURRENCIES) {
        const contenders =
          concurrency === 256 ? [...fixture.contenders, ...peers] : fixture.contenders;
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
          ratios: ratiosAt(concurrency),
          context,
          subjectSuffix: ` @${concurrency}`,
        });
      }
      await reportCommandsPerGet(context, server.url, [...fixture.contenders, ...peers]);
    } finally {
      await fixture.close();
    }
  },
};

/** Redis commands (but INFO and PING) each contender sends per completed `get`, at 256. */
async function reportCommandsPerGet(
  context: SuiteContext,
  url: string,
  contenders: readonly RedisContender[],
): Promise<void> {
  const durationMs = Math.min(500, context.options.durationMs);
  const rows: string[][] = [];
  for (const contender of contenders) {
    const before = await redisCommandCalls(url);
    const run = await runClosedLoop(contender.operation, { concurrency: 256, durationMs });
    const after = await redisCommandCalls(url);
    // The two INFO calls are not counted; nothing else talks to this server meanwhile.
    const perGet = run.completed === 0 ? Number.NaN : (after - before) / run.completed;
    rows.push([
      contender.name,
      contender.batching,
      run.completed.toLocaleString("en-US"),
      Number.isFinite(perGet) ? perGet.toFixed(3) : "n/a",
    ]);
  }
  reportTable(context, {
    suite: "redis-get",
    title: `redis-get: Redis commands per get (INFO commandstats, 256 in flight, ${durationMs / 1000} s each)`,
    columns: [
      { header: "contender" },
      { header: "batching" },
      { header: "gets", alignRight: true },
      { header: "commands/get", alignRight: true },
    ],
    rows,
  });
}
