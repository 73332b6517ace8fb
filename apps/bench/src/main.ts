/**
 * `pnpm bench`: runs the selected suites in order, prints each suite's tables, then a summary
 * of every goal. Goals are informational: the exit code is 0 unless the bench itself crashed.
 */
import { cpus } from "node:os";
import { parseBenchOptions, type SuiteName } from "./harness/bench-options.js";
import { GoalBook } from "./harness/goals.js";
import type { BenchSuite } from "./harness/suite.js";
import { renderTable } from "./harness/table.js";

/** Loaded on demand: a suite imports its peer libraries, and http needs the demo app. */
const SUITES: Record<SuiteName, () => Promise<BenchSuite>> = {
  memory: async () => (await import("./suites/memory.js")).memorySuite,
  "redis-get": async () => (await import("./suites/redis-get.js")).redisGetSuite,
  tiered: async () => (await import("./suites/tiered.js")).tieredSuite,
  http: async () => (await import("./suites/http.js")).httpSuite,
};

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2), process.env);
  const goals = new GoalBook();
  const startedAt = performance.now();
  console.log(
    `apikey-cache bench, ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"})`,
  );
  console.log(
    `suites: ${options.suites.join(", ")}; ${options.runs} runs of ${options.durationMs / 1000} s per contender (median), warm-up ${options.warmupMs / 1000} s`,
  );
  for (const name of options.suites) {
    const suite = await SUITES[name]();
    console.log(`\n## ${suite.name}: ${suite.description}`);
    const suiteStartedAt = performance.now();
    await suite.run({ options, goals });
    console.log(
      `\n(${suite.name} took ${((performance.now() - suiteStartedAt) / 1000).toFixed(1)} s)`,
    );
  }
  console.log("\n## Goals (informational)\n");
  console.log(
    renderTable(
      [
        { header: "suite" },
        { header: "subject" },
        { header: "measured", alignRight: true },
        { header: "goal" },
        { header: "verdict" },
      ],
      goals.verdicts.map((verdict) => [
        verdict.suite,
        verdict.subject,
        verdict.measured,
        verdict.goal,
        verdict.passed ? "PASS" : "FAIL",
      ]),
    ),
  );
  console.log(`\ntotal ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error("bench crashed:", error);
    process.exit(1);
  },
);
