/**
 * redis-latency: what one caller waits per `get` hit, p50 and p99, at 1, 16 and 256 calls in
 * flight, for the raw clients and our two backends with batching on and off (the redis-get
 * contenders, one server), `runs` timed runs of at most 1 s each. Batching must not buy throughput with latency: at 1 in flight a
 * batch holds one call, and the batch is cut at the tick, never on a timer. The runs of all
 * contenders alternate (list order, then reversed), as in the throughput suites; each row's
 * percentiles are over every call of its runs. No goal: the table is for reading next to the
 * throughput ratios.
 */
import { describeError } from "../harness/comparison-report.js";
import { formatMs } from "../harness/goals.js";
import { runLatencyLoop } from "../harness/latency-loop.js";
import { percentile } from "../harness/latency-stats.js";
import { type RedisContender, startRedisGetFixture } from "../harness/redis-fixture.js";
import { reportTable } from "../harness/report-table.js";
import type { BenchSuite, SuiteContext } from "../harness/suite.js";
import { formatCount } from "../harness/table.js";

const CONCURRENCIES = [1, 16, 256] as const;
/** Longest timed run: a second of calls is plenty for a p99, and 18 rows x runs add up. */
const MAX_RUN_MS = 1000;

/** Timed calls of one contender at one concurrency, over all its runs. */
interface Accumulated {
  contender: RedisContender;
  samples: Float64Array[];
  completed: number;
  elapsedMs: number;
  failed: number;
  firstError: unknown;
}

/** See the module comment. */
export const redisLatencySuite: BenchSuite = {
  name: "redis-latency",
  description: "Redis get hits: p50/p99 per call at 1, 16 and 256 in flight, batching on and off",
  async run(context: SuiteContext): Promise<void> {
    const fixture = await startRedisGetFixture();
    try {
      const { warmupMs, runs } = context.options;
      const durationMs = Math.min(MAX_RUN_MS, context.options.durationMs);
      const rows: string[][] = [];
      const notes: string[] = [];
      for (const concurrency of CONCURRENCIES) {
        for (const contender of fixture.contenders) {
          await runLatencyLoop(contender.operation, { concurrency, durationMs: warmupMs });
        }
        const accumulated: Accumulated[] = fixture.contenders.map((contender) => ({
          contender,
          samples: [],
          completed: 0,
          elapsedMs: 0,
          failed: 0,
          firstError: undefined,
        }));
        for (let run = 0; run < runs; run++) {
          const order = run % 2 === 0 ? accumulated : [...accumulated].reverse();
          for (const entry of order) {
            await new Promise((resolve) => setImmediate(resolve));
            const measured = await runLatencyLoop(entry.contender.operation, {
              concurrency,
              durationMs,
            });
            entry.samples.push(measured.samplesMs);
            entry.completed += measured.completed;
            entry.elapsedMs += measured.elapsedMs;
            if (entry.failed === 0 && measured.failed > 0) entry.firstError = measured.firstError;
            entry.failed += measured.failed;
          }
        }
        for (const entry of accumulated) {
          const sorted = concatSorted(entry.samples);
          const p50 = percentile(sorted, 50);
          const p99 = percentile(sorted, 99);
          const max = sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number);
          const opsPerSecond = (entry.completed * 1000) / entry.elapsedMs;
          context.results.latency({
            suite: "redis-latency",
            contender: entry.contender.name,
            kind: entry.contender.kind,
            concurrency,
            batching: entry.contender.batching,
            samples: sorted.length,
            p50Ms: p50,
            p99Ms: p99,
            maxMs: max,
            opsPerSecond,
          });
          rows.push([
            String(concurrency),
            entry.contender.name,
            entry.contender.batching,
            formatCount(sorted.length),
            formatMs(p50),
            formatMs(p99),
            formatMs(max),
            formatCount(opsPerSecond),
          ]);
          if (entry.failed > 0) {
            notes.push(
              `  ${entry.contender.name} @${concurrency}: ${entry.failed} errors, first: ${describeError(entry.firstError)}`,
            );
          }
        }
      }
      reportTable(context, {
        suite: "redis-latency",
        title: `redis-latency: GET hits, latency per call, ${runs} x ${durationMs / 1000} s per contender and concurrency`,
        columns: [
          { header: "in flight", alignRight: true },
          { header: "contender" },
          { header: "batching" },
          { header: "calls timed", alignRight: true },
          { header: "p50", alignRight: true },
          { header: "p99", alignRight: true },
          { header: "max", alignRight: true },
          { header: "ops/s", alignRight: true },
        ],
        rows,
        notes,
      });
    } finally {
      await fixture.close();
    }
  },
};

function concatSorted(parts: readonly Float64Array[]): Float64Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const all = new Float64Array(total);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all.sort();
}
