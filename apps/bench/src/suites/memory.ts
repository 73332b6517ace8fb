/**
 * memory: in-process `get` hits. InMemoryApiKeyCacheBackend against a plain Map with an
 * expiry check (the floor: no isolation, no LRU, no validation) and a Map that JSON-parses on
 * read (the floor for the same contract: every read returns a fresh copy), with the in-memory
 * stores of lru-cache, keyv, cache-manager, cacheable and bentocache. Goals (issue 10): at least
 * 0.8x the Map floor, and at least as fast as the fastest peer measured in the same run, for
 * `get` (awaited) and for `peek` (the synchronous hit path, called as lru-cache is).
 *
 * Same work per call: every store holds the very deep-frozen objects the backend hands out,
 * and every expiry check reads a clock of the same precision (the backend's hits and
 * lru-cache's `ttlResolution` both reuse a clock sample for about a millisecond; the floors
 * read the same kind of coarse clock). `get` returns a promise, so it is measured against
 * contenders that await one per call too: the floor's stored settled promise, and lru-cache's
 * value awaited as an async caller would; `peek` against the synchronous floor and lru-cache.
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
/** The floor of an async `get`: the same lookup, answering with a stored settled promise. */
const AWAITED_FLOOR = "Map + expiry check, awaited (floor)";
const PARSE_FLOOR = "Map + expiry + JSON.parse";
const OURS = "InMemoryApiKeyCacheBackend";
/** The synchronous hit path the resolver uses: called like lru-cache, without an await. */
const OURS_PEEK = "InMemoryApiKeyCacheBackend peek";
const LRU = "lru-cache 11";
const AWAITED_LRU = "lru-cache 11, awaited";
const FLOOR_GOAL = 0.8;
/** The peers that are async only (awaited per call, like `get`). */
const ASYNC_PEERS = [
  "keyv 5 memory",
  "cache-manager 7 memory",
  "cacheable 2 memory",
  "bentocache memory",
] as const;
/** Peers of `get`, in table order; ours must be at least as fast as the fastest of them. */
const GET_PEERS: readonly string[] = [AWAITED_LRU, ...ASYNC_PEERS];
/** Peers of `peek`: the same, with lru-cache called synchronously. */
const PEEK_PEERS: readonly string[] = [LRU, ...ASYNC_PEERS];

/** Reads one clock sample may answer, as the backend's coarse clock allows. */
const CLOCK_READS_PER_SAMPLE = 1024;

/**
 * The floors' clock: `performance.now()` sampled, the sample reused until a 1 ms timer fires or
 * 1,024 reads used it (what the backend's hits read, written out here as a floor would be).
 */
function coarseClock(): () => number {
  let sample = 0;
  let readsLeft = 0;
  let timerPending = false;
  const forget = (): void => {
    timerPending = false;
    readsLeft = 0;
  };
  return () => {
    if (readsLeft > 0) {
      readsLeft--;
      return sample;
    }
    sample = performance.now();
    readsLeft = CLOCK_READS_PER_SAMPLE - 1;
    if (!timerPending) {
      timerPending = true;
      setTimeout(forget, 1).unref();
    }
    return sample;
  };
}

interface FloorEntry {
  value: CachedApiKey;
  /** What the awaited floor answers with: one settled promise per entry, as the backend keeps. */
  resolved: Promise<CachedApiKey>;
  expiresAt: number;
}

const MISS: Promise<undefined> = Promise.resolve(undefined);

/** See the module comment. */
export const memorySuite: BenchSuite = {
  name: "memory",
  description: "in-process get hits: InMemoryApiKeyCacheBackend vs a plain Map floor and peers",
  async run(context: SuiteContext): Promise<void> {
    const keys = makeApiKeys(KEY_COUNT);
    const hashes = keys.map((key) => key.hash);
    const ttlMs = LONG_TTL_SECONDS * 1000;
    const pick = (sequence: number): string => hashes[sequence % hashes.length] as string;

    const now = coarseClock();
    const floor = new Map<string, FloorEntry>();
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
      await ours.set(key.hash, key.record, LONG_TTL_SECONDS);
      // The deep-frozen copy the backend hands out: every store holds the same kind of value.
      const value = expectHit(ours.peek(key.hash));
      const expiresAt = performance.now() + ttlMs;
      floor.set(key.hash, { value, resolved: Promise.resolve(value), expiresAt });
      parseFloor.set(key.hash, { encoded: JSON.stringify(value), expiresAt });
      lru.set(key.hash, value);
      await keyv.set(key.hash, value, ttlMs);
      await cacheable.set(key.hash, value, ttlMs);
      await cacheManager.set(key.hash, value, ttlMs);
      await bento.set({ key: key.hash, value, ttl: ttlMs });
    }

    const contenders: Contender[] = [
      {
        name: FLOOR,
        operation: async (sequence) => {
          const entry = floor.get(pick(sequence));
          return expectHit(
            entry !== undefined && entry.expiresAt > now() ? entry.value : undefined,
          );
        },
      },
      {
        name: AWAITED_FLOOR,
        operation: async (sequence) => {
          const entry = floor.get(pick(sequence));
          return expectHit(
            await (entry !== undefined && entry.expiresAt > now() ? entry.resolved : MISS),
          );
        },
      },
      {
        name: PARSE_FLOOR,
        operation: async (sequence) => {
          const entry = parseFloor.get(pick(sequence));
          return expectHit(
            entry !== undefined && entry.expiresAt > now()
              ? (JSON.parse(entry.encoded) as CachedApiKey)
              : undefined,
          );
        },
      },
      { name: OURS, operation: async (sequence) => expectHit(await ours.get(pick(sequence))) },
      { name: OURS_PEEK, operation: async (sequence) => expectHit(ours.peek(pick(sequence))) },
      { name: LRU, operation: async (sequence) => expectHit(lru.get(pick(sequence))) },
      {
        name: AWAITED_LRU,
        operation: async (sequence) => expectHit(await lru.get(pick(sequence))),
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
    const fastestOf = (peers: readonly string[]) =>
      results
        .filter((result) => peers.includes(result.name))
        .reduce((best, result) => (result.opsPerSecond > best.opsPerSecond ? result : best));
    const fastestGetPeer = fastestOf(GET_PEERS);
    const fastestPeekPeer = fastestOf(PEEK_PEERS);
    const ratios: RatioSpec[] = [
      { contender: AWAITED_FLOOR, baseline: FLOOR, kind: "floor" },
      { contender: PARSE_FLOOR, baseline: FLOOR, kind: "floor" },
      { contender: OURS, baseline: PARSE_FLOOR },
      { contender: OURS, baseline: AWAITED_FLOOR, goal: FLOOR_GOAL },
      { contender: OURS, baseline: fastestGetPeer.name, goal: 1 },
      { contender: OURS_PEEK, baseline: FLOOR, goal: FLOOR_GOAL },
      { contender: OURS_PEEK, baseline: fastestPeekPeer.name, goal: 1 },
      { contender: LRU, baseline: FLOOR, kind: "peer" },
      ...GET_PEERS.map(
        (peer): RatioSpec => ({ contender: peer, baseline: AWAITED_FLOOR, kind: "peer" }),
      ),
    ];
    reportComparison({
      suite: "memory",
      title: `memory: get hits, ${KEY_COUNT.toLocaleString("en-US")} keys, ${CONCURRENCY} in flight, median of ${runs} x ${durationMs / 1000} s`,
      results,
      ratios,
      context,
      notes: [
        `fastest peer in this run (by median ops/s): of get ${fastestGetPeer.name}, of peek ${fastestPeekPeer.name}`,
      ],
    });
    await ours.close();
    await keyv.disconnect();
    await cacheable.disconnect();
    await cacheManager.disconnect();
    await bento.disconnectAll();
  },
};
