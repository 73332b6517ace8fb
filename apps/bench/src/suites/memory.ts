/**
 * memory: in-process `get` hits. InMemoryApiKeyCacheBackend against a plain Map with an
 * expiry check (the floor: no isolation, no LRU, no validation) and a Map that JSON-parses on
 * read (the floor for the same contract: every read returns a fresh copy), with the in-memory
 * stores of lru-cache, keyv, cache-manager, cacheable and bentocache. Goals (issue 10): at least
 * 0.8x the Map floor, and at least as fast as the fastest peer measured in the same run, for
 * `get` (awaited) and for `peek` (the synchronous hit path, called as lru-cache is).
 */
import { type CachedApiKey, InMemoryApiKeyCacheBackend } from "@apikey/core";
import { BentoCache, bentostore } from "bentocache";
import { memoryDriver } from "bentocache/drivers/memory";
import { createCache } from "cache-manager";
import { Cacheable } from "cacheable";
import { Keyv } from "keyv";
import { LRUCache } from "lru-cache";
import { type Contender, compareContenders } from "../harness/compare-contenders.js";
import { type RatioSpec, reportComparison } from "../harness/comparison-report.js";
import type { BenchSuite, SuiteContext } from "../harness/suite.js";
import { expectHit, KEY_COUNT, LONG_TTL_SECONDS, makeApiKeys } from "../harness/workload.js";

const CONCURRENCY = 256;
const FLOOR = "Map + expiry check (floor)";
const PARSE_FLOOR = "Map + expiry + JSON.parse";
const OURS = "InMemoryApiKeyCacheBackend";
/** The synchronous hit path the resolver uses: called like lru-cache, without an await. */
const OURS_PEEK = "InMemoryApiKeyCacheBackend peek";
const FLOOR_GOAL = 0.8;
/** The peers' rows, in table order; ours must be at least as fast as the fastest of them. */
const PEERS = [
  "lru-cache 11",
  "keyv 5 memory",
  "cache-manager 7 memory",
  "cacheable 2 memory",
  "bentocache memory",
] as const;

/** See the module comment. */
export const memorySuite: BenchSuite = {
  name: "memory",
  description: "in-process get hits: InMemoryApiKeyCacheBackend vs a plain Map floor and peers",
  async run(context: SuiteContext): Promise<void> {
    const keys = makeApiKeys(KEY_COUNT);
    const hashes = keys.map((key) => key.hash);
    const ttlMs = LONG_TTL_SECONDS * 1000;
    const pick = (sequence: number): string => hashes[sequence % hashes.length] as string;

    const floor = new Map<string, { value: CachedApiKey; expiresAt: number }>();
    const parseFloor = new Map<string, { encoded: string; expiresAt: number }>();
    const ours = new InMemoryApiKeyCacheBackend({ maxEntries: KEY_COUNT * 2 });
    const lru = new LRUCache<string, CachedApiKey>({ max: KEY_COUNT * 2, ttl: ttlMs });
    const keyv = new Keyv<CachedApiKey>();
    const cacheable = new Cacheable({ ttl: ttlMs });
    const cacheManager = createCache({ ttl: ttlMs });
    const bento = new BentoCache({
      default: "memory",
      stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: KEY_COUNT * 2 })) },
    });
    for (const key of keys) {
      const expiresAt = performance.now() + ttlMs;
      floor.set(key.hash, { value: key.record, expiresAt });
      parseFloor.set(key.hash, { encoded: JSON.stringify(key.record), expiresAt });
      await ours.set(key.hash, key.record, LONG_TTL_SECONDS);
      lru.set(key.hash, key.record);
      await keyv.set(key.hash, key.record, ttlMs);
      await cacheable.set(key.hash, key.record, ttlMs);
      await cacheManager.set(key.hash, key.record, ttlMs);
      await bento.set({ key: key.hash, value: key.record, ttl: ttlMs });
    }

    const contenders: Contender[] = [
      {
        name: FLOOR,
        operation: async (sequence) => {
          const entry = floor.get(pick(sequence));
          return expectHit(
            entry !== undefined && entry.expiresAt > performance.now() ? entry.value : undefined,
          );
        },
      },
      {
        name: PARSE_FLOOR,
        operation: async (sequence) => {
          const entry = parseFloor.get(pick(sequence));
          return expectHit(
            entry !== undefined && entry.expiresAt > performance.now()
              ? (JSON.parse(entry.encoded) as CachedApiKey)
              : undefined,
          );
        },
      },
      { name: OURS, operation: async (sequence) => expectHit(await ours.get(pick(sequence))) },
      { name: OURS_PEEK, operation: async (sequence) => expectHit(ours.peek(pick(sequence))) },
      {
        name: "lru-cache 11",
        operation: async (sequence) => expectHit(lru.get(pick(sequence))),
      },
      {
        name: "keyv 5 memory",
        operation: async (sequence) => expectHit(await keyv.get(pick(sequence))),
      },
      {
        name: "cache-manager 7 memory",
        operation: async (sequence) => expectHit(await cacheManager.get(pick(sequence))),
      },
      {
        name: "cacheable 2 memory",
        operation: async (sequence) => expectHit(await cacheable.get<CachedApiKey>(pick(sequence))),
      },
      {
        name: "bentocache memory",
        operation: async (sequence) => expectHit(await bento.get({ key: pick(sequence) })),
      },
    ];
    const { durationMs, warmupMs, runs } = context.options;
    const results = await compareContenders(contenders, {
      concurrency: CONCURRENCY,
      durationMs,
      warmupMs,
      runs,
    });
    const fastestPeer = results
      .filter((result) => (PEERS as readonly string[]).includes(result.name))
      .reduce((best, result) => (result.opsPerSecond > best.opsPerSecond ? result : best));
    const ratios: RatioSpec[] = [
      { contender: PARSE_FLOOR, baseline: FLOOR, kind: "floor" },
      { contender: OURS, baseline: PARSE_FLOOR },
      { contender: OURS, baseline: FLOOR, goal: FLOOR_GOAL },
      { contender: OURS, baseline: fastestPeer.name, goal: 1 },
      { contender: OURS_PEEK, baseline: FLOOR, goal: FLOOR_GOAL },
      { contender: OURS_PEEK, baseline: fastestPeer.name, goal: 1 },
      ...PEERS.map((peer): RatioSpec => ({ contender: peer, baseline: FLOOR, kind: "peer" })),
    ];
    reportComparison({
      suite: "memory",
      title: `memory: get hits, ${KEY_COUNT.toLocaleString("en-US")} keys, ${CONCURRENCY} in flight, median of ${runs} x ${durationMs / 1000} s`,
      results,
      ratios,
      context,
      notes: [`fastest peer in this run (by median ops/s): ${fastestPeer.name}`],
    });
    await ours.close();
    await keyv.disconnect();
    await cacheable.disconnect();
    await cacheManager.disconnect();
    await bento.disconnectAll();
  },
};
