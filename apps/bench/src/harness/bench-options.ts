/**
 * Command-line and environment options of `pnpm bench`. Flags win over environment variables,
 * so `BENCH_DURATION=1 pnpm bench -- --duration 3` measures for 3 s.
 */
import { parseArgs } from "node:util";
import { ApiKeyCacheError } from "@apikey/core";

/** The suites in the order `pnpm bench` runs them (http last: it needs the demo app). */
export const SUITE_NAMES = [
  "memory",
  "redis-get",
  "redis-latency",
  "cluster-get",
  "writes",
  "revocation-replicas",
  "tiered",
  "read-through",
  "stampede",
  "http",
] as const;

export type SuiteName = (typeof SUITE_NAMES)[number];

/** What one invocation of the bench runs, and for how long. */
export interface BenchOptions {
  /**
   * "quick" (`--quick`): short runs of every suite with small sizes, to check that each runs
   * end to end; its figures are not results. Explicit flags still win over the profile.
   */
  profile: "full" | "quick";
  /** Suites to run, in {@link SUITE_NAMES} order. */
  suites: SuiteName[];
  /** Length of one measured run of one contender, in ms. */
  durationMs: number;
  /** Warm-up of each contender before its first measured run, in ms. */
  warmupMs: number;
  /** Measured runs per contender; the median is reported. */
  runs: number;
  /** Length of one autocannon run in the http suite, in ms. */
  httpDurationMs: number;
  /** Revocation-propagation samples in the tiered suite. */
  revocationSamples: number;
}

const USAGE = `Usage: pnpm bench -- [options]
  --suite <names>       comma-separated: ${SUITE_NAMES.join(", ")} (default: all)   env BENCH_SUITE
  --duration <s>        seconds per measured run (default 2)                        env BENCH_DURATION
  --warmup <s>          warm-up seconds per contender (default 0.5)                 env BENCH_WARMUP
  --runs <n>            measured runs per contender, median reported (default 3)    env BENCH_RUNS
  --http-duration <s>   seconds per autocannon run (default 4)                      env BENCH_HTTP_DURATION
  --samples <n>         revocation-propagation samples (default 500)                env BENCH_SAMPLES
  --quick               short runs (0.2 s x 1, warm-up 0.1 s, http 1 s, 20 samples) to check
                        that every suite runs end to end; not for figures       env BENCH_QUICK=1
  --help`;

/** Defaults of each profile, in seconds and counts. */
const PROFILES = {
  full: { duration: 2, warmup: 0.5, runs: 3, httpDuration: 4, samples: 500 },
  quick: { duration: 0.2, warmup: 0.1, runs: 1, httpDuration: 1, samples: 20 },
} as const;

/** Parse `argv` (without node and script) and `env`; prints usage and exits on `--help`. */
export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      suite: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      runs: { type: "string" },
      "http-duration": { type: "string" },
      samples: { type: "string" },
      quick: { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
  const profile = values.quick === true || env.BENCH_QUICK === "1" ? "quick" : "full";
  const defaults = PROFILES[profile];
  return {
    profile,
    suites: parseSuites(values.suite ?? env.BENCH_SUITE),
    durationMs: seconds("duration", values.duration ?? env.BENCH_DURATION, defaults.duration),
    warmupMs: seconds("warmup", values.warmup ?? env.BENCH_WARMUP, defaults.warmup),
    runs: positiveInteger("runs", values.runs ?? env.BENCH_RUNS, defaults.runs),
    httpDurationMs: seconds(
      "http-duration",
      values["http-duration"] ?? env.BENCH_HTTP_DURATION,
      defaults.httpDuration,
    ),
    revocationSamples: positiveInteger(
      "samples",
      values.samples ?? env.BENCH_SAMPLES,
      defaults.samples,
    ),
  };
}

function parseSuites(raw: string | undefined): SuiteName[] {
  if (raw === undefined || raw.trim() === "" || raw.trim() === "all") return [...SUITE_NAMES];
  const wanted = raw.split(",").map((name) => name.trim().toLowerCase());
  for (const name of wanted) {
    if (!(SUITE_NAMES as readonly string[]).includes(name)) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `unknown suite "${name}"; valid suites: ${SUITE_NAMES.join(", ")}`,
      );
    }
  }
  return SUITE_NAMES.filter((name) => wanted.includes(name));
}

function seconds(option: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === "") return fallback * 1000;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `--${option} must be a positive number of seconds, got "${raw}"`,
    );
  }
  return value * 1000;
}

function positiveInteger(option: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ApiKeyCacheError("E_CONFIG", `--${option} must be a positive integer, got "${raw}"`);
  }
  return value;
}
