/**
 * tiered: what the tiered backend and the resolver add on top of a plain in-process hit, and
 * how fast a revocation reaches another process.
 * - L1 hits of TieredApiKeyCacheBackend vs InMemoryApiKeyCacheBackend hits (goal >= 0.8x), and
 *   vs the two-tier gets of bentocache (memory + Redis) and cacheable (memory + @keyv/redis),
 *   on the same server, all answering from their in-process tier.
 * - `resolver.resolve(plaintext)` hits vs `hashApiKey(plaintext)` + a bare `get` on the same
 *   backend, on memory and on tiered (goal >= 0.9x, issue 10; both sides hash with sha256).
 * - Revocation propagation: two tiered backends, one per client library, on one server; a key
 *   L1-cached on B is deleted through A, and B's `get` is polled until it misses (goal p99 < 50 ms).
 */

import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  createApiKeyResolver,
  encodeCachedApiKey,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  invalidationChannel,
  type RedisDriver,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import { ioredisDriver } from "@apikey/redis-ioredis";
import { nodeRedisDriver } from "@apikey/redis-node";
import { startRedisServer } from "@apikey/redis-test-server";
import { createKeyv } from "@keyv/redis";
import { BentoCache, bentostore } from "bentocache";
import { memoryDriver } from "bentocache/drivers/memory";
import { redisDriver } from "bentocache/drivers/redis";
import { Cacheable } from "cacheable";
import { Redis } from "ioredis";
import { type Contender, compareContenders } from "../harness/compare-contenders.js";
import { reportComparison } from "../harness/comparison-report.js";
import { formatMs } from "../harness/goals.js";
import { summarizeLatencies } from "../harness/latency-stats.js";
import { reportTable } from "../harness/report-table.js";
import type { BenchSuite, SuiteContext } from "../harness/suite.js";
import { formatCount } from "../harness/table.js";
import { waitFor } from "../harness/wait-for.js";
import {
  type ApiKeyFixture,
  expectHit,
  KEY_COUNT,
  LONG_TTL_SECONDS,
  makeApiKeys,
} from "../harness/workload.js";

const CONCURRENCY = 256;
/** Long enough that no L1 copy expires during the throughput runs: they measure L1 hits. */
const BENCH_LOCAL_TTL_SECONDS = 60;
/** A sample that has not propagated by then counts as this long (and fails the goal). */
const PROPAGATION_CAP_MS = 2000;
const PROPAGATION_P99_GOAL_MS = 50;

const MEMORY = "InMemoryApiKeyCacheBackend get";
const TIERED = "TieredApiKeyCacheBackend get (L1 hit)";
const BENTO_TWO_TIER = "bentocache two-tier get (L1 hit)";
const CACHEABLE_TWO_TIER = "cacheable 2 two-tier get (primary hit)";
const TIERED_GOAL = 0.8;
const RESOLVER_GOAL = 0.9;
const HASH_MEMORY = "hashApiKey + memory get";
const RESOLVER_MEMORY = "resolver.resolve on memory";
const HASH_TIERED = "hashApiKey + tiered get";
const RESOLVER_TIERED = "resolver.resolve on tiered";

/** See the module comment. */
export const tieredSuite: BenchSuite = {
  name: "tiered",
  description: "tiered L1 hits and resolver hits vs bare backend hits; revocation propagation",
  async run(context: SuiteContext): Promise<void> {
    const server = await startRedisServer();
    const closers: (() => Promise<unknown>)[] = [];
    try {
      await measureHitOverheads(context, server.url, closers);
      await measureRevocationPropagation(context, server.url, closers);
    } finally {
      for (const close of closers.reverse()) {
        await close().catch((error: unknown) => console.error("close failed:", error));
      }
      await server.stop();
    }
  },
};

function createTiered(
  driver: RedisDriver,
  url: string,
  keyPrefix: string,
  localTtlSeconds: number,
): TieredApiKeyCacheBackend {
  return new TieredApiKeyCacheBackend({
    local: new InMemoryApiKeyCacheBackend({ maxEntries: KEY_COUNT * 2 }),
    remote: driver.createBackend({ url, keyPrefix, logger: silentLogger }),
    bus: driver.createInvalidationBus({
      url,
      channel: invalidationChannel(keyPrefix),
      logger: silentLogger,
    }),
    localTtlSeconds,
    logger: silentLogger,
  });
}

async function measureHitOverheads(
  context: SuiteContext,
  url: string,
  closers: (() => Promise<unknown>)[],
): Promise<void> {
  const keys = makeApiKeys(KEY_COUNT);
  const memory = new InMemoryApiKeyCacheBackend({ maxEntries: KEY_COUNT * 2 });
  closers.push(() => memory.close());
  const tiered = createTiered(ioredisDriver, url, "bench:tiered:", BENCH_LOCAL_TTL_SECONDS);
  closers.push(() => tiered.close());
  await waitFor("the tiered backend's bus subscription", () => tiered.l1Enabled);
  const port = Number(new URL(url).port);
  const bento = new BentoCache({
    default: "tiered",
    stores: {
      tiered: bentostore()
        .useL1Layer(memoryDriver({ maxItems: KEY_COUNT * 2 }))
        .useL2Layer(redisDriver({ connection: { host: "127.0.0.1", port } })),
    },
  });
  closers.push(() => bento.disconnectAll());
  const cacheable = new Cacheable({
    secondary: createKeyv(url, { namespace: "bench-cacheable" }),
    ttl: LONG_TTL_SECONDS * 1000,
  });
  closers.push(() => cacheable.disconnect());
  for (const key of keys) {
    await memory.set(key.hash, key.record, LONG_TTL_SECONDS);
    await tiered.set(key.hash, key.record, LONG_TTL_SECONDS);
    await bento.set({ key: key.hash, value: key.record, ttl: LONG_TTL_SECONDS * 1000 });
    await cacheable.set(key.hash, key.record, LONG_TTL_SECONDS * 1000);
  }

  const records = new Map(keys.map((key) => [key.hash, key.record]));
  let loads = 0;
  const load = async (keyHash: string): Promise<CachedApiKey | undefined> => {
    loads++;
    return records.get(keyHash);
  };
  const resolverOn = (backend: ApiKeyCacheBackend) =>
    createApiKeyResolver({
      backend,
      load,
      ttlSeconds: LONG_TTL_SECONDS,
      negativeTtlSeconds: 30,
      // timeoutMs: the default (100 ms), as a service would run it.
      logger: silentLogger,
    });
  const memoryResolver = resolverOn(memory);
  const tieredResolver = resolverOn(tiered);
  const plaintext = (sequence: number): string =>
    (keys[sequence % KEY_COUNT] as ApiKeyFixture).plaintext;
  const hash = (sequence: number): string => (keys[sequence % KEY_COUNT] as ApiKeyFixture).hash;

  // Neighbours in this list are measured back to back (see compareContenders).
  const contenders: Contender[] = [
    { name: MEMORY, operation: async (sequence) => expectHit(await memory.get(hash(sequence))) },
    { name: TIERED, operation: async (sequence) => expectHit(await tiered.get(hash(sequence))) },
    {
      name: BENTO_TWO_TIER,
      operation: async (sequence) => expectHit(await bento.get({ key: hash(sequence) })),
    },
    {
      name: CACHEABLE_TWO_TIER,
      operation: async (sequence) => expectHit(await cacheable.get<CachedApiKey>(hash(sequence))),
    },
    {
      name: HASH_MEMORY,
      operation: async (sequence) => expectHit(await memory.get(hashApiKey(plaintext(sequence)))),
    },
    {
      name: RESOLVER_MEMORY,
      operation: async (sequence) =>
        expectActive(await memoryResolver.resolve(plaintext(sequence))),
    },
    {
      name: HASH_TIERED,
      operation: async (sequence) => expectHit(await tiered.get(hashApiKey(plaintext(sequence)))),
    },
    {
      name: RESOLVER_TIERED,
      operation: async (sequence) =>
        expectActive(await tieredResolver.resolve(plaintext(sequence))),
    },
  ];
  const { durationMs, warmupMs, runs } = context.options;
  const results = await compareContenders(contenders, {
    concurrency: CONCURRENCY,
    durationMs,
    warmupMs,
    runs,
  });
  const stats = [memoryResolver.stats(), tieredResolver.stats()];
  reportComparison({
    suite: "tiered",
    title: `tiered: hits, ${KEY_COUNT.toLocaleString("en-US")} keys, ${CONCURRENCY} in flight, L1 TTL ${BENCH_LOCAL_TTL_SECONDS} s, median of ${runs} x ${durationMs / 1000} s`,
    results,
    ratios: [
      { contender: TIERED, baseline: MEMORY, goal: TIERED_GOAL },
      { contender: BENTO_TWO_TIER, baseline: MEMORY, kind: "peer" },
      { contender: CACHEABLE_TWO_TIER, baseline: MEMORY, kind: "peer" },
      { contender: TIERED, baseline: BENTO_TWO_TIER },
      { contender: TIERED, baseline: CACHEABLE_TWO_TIER },
      { contender: RESOLVER_MEMORY, baseline: HASH_MEMORY, goal: RESOLVER_GOAL },
      { contender: RESOLVER_TIERED, baseline: HASH_TIERED, goal: RESOLVER_GOAL },
    ],
    context,
    notes: [
      `resolver loads: ${loads} (expected 0: every call is a hit); memory/tiered resolver ` +
        `bypasses ${stats.map((s) => s.bypasses).join("/")}, timeouts ${stats.map((s) => s.timeouts).join("/")}`,
    ],
  });
}

function expectActive(value: CachedApiKey | undefined): CachedApiKey {
  if (value?.active !== true) throw new Error("expected an active key from the resolver");
  return value;
}

async function measureRevocationPropagation(
  context: SuiteContext,
  url: string,
  closers: (() => Promise<unknown>)[],
): Promise<void> {
  const keyPrefix = "bench:revoke:";
  const viaIoredis = createTiered(ioredisDriver, url, keyPrefix, 5);
  closers.push(() => viaIoredis.close());
  const viaNodeRedis = createTiered(nodeRedisDriver, url, keyPrefix, 5);
  closers.push(() => viaNodeRedis.close());
  // Writes straight to Redis, with no bus message: fills that no invalidation races.
  const writer = new Redis(url);
  closers.push(() => writer.quit());
  await waitFor("both buses' subscriptions", () => viaIoredis.l1Enabled && viaNodeRedis.l1Enabled);

  const record = encodeCachedApiKey({ apiKey: "ak_revocation", active: true });
  const plant = async (reader: ApiKeyCacheBackend, cacheKey: string): Promise<void> => {
    await writer.set(`${keyPrefix}${cacheKey}`, record, "PX", 60_000);
    expectHit(await reader.get(cacheKey));
  };

  // Sanity check: the reader really serves from L1 (a delete behind its back is not seen).
  const probe = hashApiKey("revocation-probe");
  await plant(viaNodeRedis, probe);
  await writer.del(`${keyPrefix}${probe}`);
  if ((await viaNodeRedis.get(probe)) === undefined) {
    throw new Error("tiered reader did not serve the planted key from L1; the bench is invalid");
  }
  await viaNodeRedis.delete(probe);

  const directions = [
    {
      label: "delete via ioredis, observed via node-redis",
      writer: viaIoredis,
      reader: viaNodeRedis,
    },
    {
      label: "delete via node-redis, observed via ioredis",
      writer: viaNodeRedis,
      reader: viaIoredis,
    },
  ];
  const samples = directions.map(() => [] as number[]);
  let timedOut = 0;
  for (let sample = 0; sample < context.options.revocationSamples; sample++) {
    const direction = sample % directions.length;
    const { writer: deleter, reader } = directions[direction] as (typeof directions)[number];
    const cacheKey = hashApiKey(`revocation-${sample}`);
    await plant(reader, cacheKey);
    const startedAt = performance.now();
    const deleted = deleter.delete(cacheKey);
    let elapsed = 0;
    for (;;) {
      if ((await reader.get(cacheKey)) === undefined) {
        elapsed = performance.now() - startedAt;
        break;
      }
      elapsed = performance.now() - startedAt;
      if (elapsed >= PROPAGATION_CAP_MS) {
        timedOut++;
        break;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await deleted;
    (samples[direction] as number[]).push(elapsed);
  }

  const all = samples.flat();
  const rows = [
    ...directions.map((direction, index) => ({
      label: direction.label,
      summary: summarizeLatencies(samples[index] as number[]),
    })),
    { label: "both directions", summary: summarizeLatencies(all) },
  ].map(({ label, summary }) => [
    label,
    formatCount(summary.count),
    formatMs(summary.p50),
    formatMs(summary.p90),
    formatMs(summary.p99),
    formatMs(summary.max),
  ]);
  const verdict = context.goals.latencyBelow(
    "tiered",
    "revocation propagation, both directions",
    "p99",
    summarizeLatencies(all).p99,
    PROPAGATION_P99_GOAL_MS,
  );
  const notes = [`goal ${verdict.goal}: ${verdict.measured} ${verdict.passed ? "PASS" : "FAIL"}`];
  if (timedOut > 0) {
    notes.unshift(`${timedOut} samples had not propagated after ${PROPAGATION_CAP_MS} ms`);
  }
  reportTable(context, {
    suite: "tiered",
    title: `tiered: revocation propagation (delete on one process until the other's get misses; L1-cached key, cap ${PROPAGATION_CAP_MS} ms)`,
    columns: [
      { header: "direction" },
      { header: "samples", alignRight: true },
      { header: "p50", alignRight: true },
      { header: "p90", alignRight: true },
      { header: "p99", alignRight: true },
      { header: "max", alignRight: true },
    ],
    rows,
    notes,
  });
}
