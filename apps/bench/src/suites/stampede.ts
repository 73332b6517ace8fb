/**
 * stampede: 1,000 concurrent calls for one key nobody has cached, with a 1 ms loader, per
 * read-through contender (see `read-through-contenders.ts`). Each round uses a new key; the
 * table shows the loader calls per round (1 = a perfect single flight), the time until all
 * 1,000 calls settled (median and max over rounds), and the calls that did not get the record.
 * Goal: one loader call per round for our resolver.
 */
import { median } from "../harness/compare-contenders.js";
import { formatMs } from "../harness/goals.js";
import { createReadThroughContenders, OUR_RESOLVER } from "../harness/read-through-contenders.js";
import { reportTable } from "../harness/report-table.js";
import { LoaderCallCounts } from "../harness/slow-loader.js";
import type { BenchSuite, SuiteContext } from "../harness/suite.js";
import { LONG_TTL_SECONDS } from "../harness/workload.js";

const CALLERS = 1000;
const LOADER_DELAY_MS = 1;
const ROUNDS = { full: 20, quick: 3 } as const;

/** See the module comment. */
export const stampedeSuite: BenchSuite = {
  name: "stampede",
  description: `${CALLERS.toLocaleString("en-US")} concurrent calls for one missing key: loader calls and time`,
  async run(context: SuiteContext): Promise<void> {
    const rounds = ROUNDS[context.options.profile];
    const counts = new LoaderCallCounts();
    const readers = createReadThroughContenders(
      (name) => counts.loaderFor(name, LOADER_DELAY_MS),
      LONG_TTL_SECONDS,
      rounds * 2,
    );
    try {
      const rows: string[][] = [];
      for (const [index, reader] of readers.entries()) {
        const times: number[] = [];
        let wrong = 0;
        for (let round = 0; round < rounds; round++) {
          const plaintext = `sk_live_stampede_${index}_${round}`;
          const startedAt = performance.now();
          const settled = await Promise.allSettled(
            Array.from({ length: CALLERS }, () => reader.resolve(plaintext)),
          );
          times.push(performance.now() - startedAt);
          wrong += settled.filter(
            (result) => result.status !== "fulfilled" || result.value?.active !== true,
          ).length;
        }
        const loaderCalls = counts.calls(reader.name);
        const perRound = loaderCalls / rounds;
        if (reader.name === OUR_RESOLVER) {
          context.goals.countAtMost(
            "stampede",
            `${OUR_RESOLVER}: loader calls per ${CALLERS.toLocaleString("en-US")}-call stampede`,
            perRound,
            1,
            "loader calls",
          );
        }
        rows.push([
          reader.name,
          String(rounds),
          perRound.toFixed(2),
          formatMs(median(times)),
          formatMs(Math.max(...times)),
          String(wrong),
        ]);
      }
      reportTable(context, {
        suite: "stampede",
        title: `stampede: ${CALLERS.toLocaleString("en-US")} concurrent calls for one new key, ${LOADER_DELAY_MS} ms loader, ${rounds} rounds (a new key each)`,
        columns: [
          { header: "contender" },
          { header: "rounds", alignRight: true },
          { header: "loader calls/round", alignRight: true },
          { header: "time (median)", alignRight: true },
          { header: "time (max)", alignRight: true },
          { header: "calls without the record", alignRight: true },
        ],
        rows,
      });
    } finally {
      for (const reader of readers) {
        await reader.close().catch((error: unknown) => console.error("close failed:", error));
      }
    }
  },
};
