/**
 * Runs the selected suites in order, printing each suite's tables and then a summary of every
 * goal, and returns everything measured as one {@link BenchResults} (`benchmarks/results.json`).
 * Shared by `pnpm bench` (prints only) and `pnpm bench:report` (also writes the report).
 */
import type { BenchOptions, SuiteName } from "./bench-options.js";
import { GoalBook } from "./goals.js";
import { describeMachine, loadAverage } from "./machine-info.js";
import { type BenchResults, RESULTS_SCHEMA_VERSION, ResultRecorder } from "./results.js";
import type { BenchSuite } from "./suite.js";
import { renderTable } from "./table.js";

/** Loaded on demand: a suite imports its peer libraries, and http needs the demo app. */
const SUITES: Record<SuiteName, () => Promise<BenchSuite>> = {
  memory: async () => (await import("../suites/memory.js")).memorySuite,
  "redis-get": async () => (await import("../suites/redis-get.js")).redisGetSuite,
  "redis-latency": async () => (await import("../suites/redis-latency.js")).redisLatencySuite,
  "cluster-get": async () => (await import("../suites/cluster-get.js")).clusterGetSuite,
  writes: async () => (await import("../suites/writes.js")).writesSuite,
  "revocation-replicas": async () =>
    (await import("../suites/revocation-replicas.js")).revocationReplicasSuite,
  tiered: async () => (await import("../suites/tiered.js")).tieredSuite,
  "read-through": async () => (await import("../suites/read-through.js")).readThroughSuite,
  stampede: async () => (await import("../suites/stampede.js")).stampedeSuite,
  http: async () => (await import("../suites/http.js")).httpSuite,
};

/** Run `options.suites` and collect their results. */
export async function runSuites(options: BenchOptions): Promise<BenchResults> {
  const goals = new GoalBook();
  const results = new ResultRecorder();
  const startedAt = new Date();
  const clockAtStart = performance.now();
  const machine = describeMachine(startedAt);
  console.log(
    `apikey-cache bench, ${machine.startedAt}, Node ${machine.node}, redis-server ${machine.redis}, ${machine.cpuCount} cores (${machine.cpuModel}), load average ${machine.loadAverageAtStart.join(" ")}`,
  );
  console.log(
    `profile ${options.profile}; suites: ${options.suites.join(", ")}; ${options.runs} runs of ${options.durationMs / 1000} s per contender (median), warm-up ${options.warmupMs / 1000} s`,
  );
  for (const name of options.suites) {
    const suite = await SUITES[name]();
    console.log(`\n## ${suite.name}: ${suite.description}`);
    const suiteStartedAt = performance.now();
    await suite.run({ options, goals, results });
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
        { header: "margin", alignRight: true },
        { header: "verdict" },
      ],
      goals.verdicts.map((verdict) => [
        verdict.suite,
        verdict.subject,
        verdict.measured,
        verdict.goal,
        verdict.margin,
        verdict.passed ? "PASS" : "FAIL",
      ]),
    ),
  );
  machine.durationSeconds = Math.round((performance.now() - clockAtStart) / 100) / 10;
  machine.loadAverageAtEnd = loadAverage();
  console.log(
    `\ntotal ${machine.durationSeconds.toFixed(1)} s; load average at the end ${machine.loadAverageAtEnd.join(" ")}`,
  );
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    machine,
    settings: {
      profile: options.profile,
      suites: [...options.suites],
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      runs: options.runs,
      httpDurationMs: options.httpDurationMs,
      revocationSamples: options.revocationSamples,
    },
    tables: results.tables,
    ratios: results.ratios,
    latencies: results.latencies,
    goals: goals.verdicts,
  };
}
