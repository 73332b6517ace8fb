/**
 * read-through: `resolve(plaintext)` at 256 in flight with 90% hits and a 1 ms loader. Nine
 * calls in ten ask for one of 10,000 keys loaded before the runs (hits); the tenth asks for a
 * key never seen before (a miss: one loader call of 1 ms, then cached). Contenders: the floor
 * (sha256 + Map + single-flight), our resolver on the memory backend, cache-manager `wrap`,
 * bentocache `getOrSet` and cacheable `getOrSet` (see `read-through-contenders.ts`). Loader
 * calls are counted per contender and shown per miss issued (1.00 = one lookup per new key).
 * No goal (issue 14 asks for the comparison; issue 10's resolver goal is in tiered).
 */
import { type Contender, compareContenders } from "../harness/compare-contenders.js";
import { type RatioSpec, reportComparison } from "../harness/comparison-report.js";
import {
  createReadThroughContenders,
  OUR_RESOLVER,
  READ_THROUGH_FLOOR,
} from "../harness/read-through-contenders.js";
import { LoaderCallCounts } from "../harness/slow-loader.js";
import type { BenchSuite, SuiteContext } from "../harness/suite.js";
import { KEY_COUNT, LONG_TTL_SECONDS, makeApiKeys } from "../harness/workload.js";

const CONCURRENCY = 256;
const LOADER_DELAY_MS = 1;
/** One call in this many is a miss. */
const MISS_EVERY = 10;
/** Room for the hot keys and every miss of the runs, so nothing hot is evicted. */
const MAX_ENTRIES = 2_000_000;

/** See the module comment. */
export const readThroughSuite: BenchSuite = {
  name: "read-through",
  description: `read-through, ${100 - 100 / MISS_EVERY}% hits, ${LOADER_DELAY_MS} ms loader: our resolver vs the floor and peers`,
  async run(context: SuiteContext): Promise<void> {
    const keys = makeApiKeys(KEY_COUNT);
    const counts = new LoaderCallCounts();
    const readers = createReadThroughContenders(
      (name) => counts.loaderFor(name, LOADER_DELAY_MS),
      LONG_TTL_SECONDS,
      MAX_ENTRIES,
    );
    try {
      const missesIssued = new Map(readers.map((reader) => [reader.name, 0]));
      for (const reader of readers) {
        for (let start = 0; start < KEY_COUNT; start += CONCURRENCY) {
          await Promise.all(
            keys.slice(start, start + CONCURRENCY).map((key) => reader.resolve(key.plaintext)),
          );
        }
      }
      const loadsAfterFill = new Map(
        readers.map((reader) => [reader.name, counts.calls(reader.name)]),
      );
      const contenders: Contender[] = readers.map((reader) => {
        let misses = 0;
        return {
          name: reader.name,
          operation: async (sequence) => {
            let plaintext: string;
            if (sequence % MISS_EVERY === MISS_EVERY - 1) {
              misses++;
              missesIssued.set(reader.name, misses);
              plaintext = `sk_live_never_seen_${misses}`;
            } else {
              plaintext = (keys[sequence % KEY_COUNT] as (typeof keys)[number]).plaintext;
            }
            const value = await reader.resolve(plaintext);
            if (value?.active !== true) throw new Error("expected an active record");
            return value;
          },
        };
      });
      const { durationMs, warmupMs, runs } = context.options;
      const results = await compareContenders(contenders, {
        concurrency: CONCURRENCY,
        durationMs,
        warmupMs,
        runs,
      });
      const ratios: RatioSpec[] = readers
        .filter((reader) => reader.name !== READ_THROUGH_FLOOR)
        .map((reader) => ({
          contender: reader.name,
          baseline: READ_THROUGH_FLOOR,
          kind: reader.kind,
        }));
      for (const reader of readers) {
        if (reader.kind === "peer") ratios.push({ contender: OUR_RESOLVER, baseline: reader.name });
      }
      reportComparison({
        suite: "read-through",
        title: `read-through: ${CONCURRENCY} in flight, ${KEY_COUNT.toLocaleString("en-US")} hot keys, 1 call in ${MISS_EVERY} a new key, ${LOADER_DELAY_MS} ms loader, median of ${runs} x ${durationMs / 1000} s`,
        results,
        ratios,
        context,
        notes: readers.map((reader) => {
          const loads = counts.calls(reader.name) - (loadsAfterFill.get(reader.name) ?? 0);
          const misses = missesIssued.get(reader.name) ?? 0;
          const perMiss = misses === 0 ? "n/a" : (loads / misses).toFixed(2);
          return `  ${reader.name}: ${loads.toLocaleString("en-US")} loader calls for ${misses.toLocaleString("en-US")} new keys (${perMiss} per new key; warm-up included in both)`;
        }),
      });
    } finally {
      for (const reader of readers) {
        await reader.close().catch((error: unknown) => console.error("close failed:", error));
      }
    }
  },
};
