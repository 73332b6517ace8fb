/**
 * The machine-readable results of one bench run (`benchmarks/results.json`): what ran where,
 * every table a suite printed, the ratios and latency percentiles behind the charts, and each
 * goal's verdict with its margin. `pnpm bench:report` writes it; the renderer
 * (`src/report/render-report.ts`) turns it into BENCHMARKS.md and the SVG charts, never the
 * other way round.
 */

/** Bumped when a field changes meaning; the renderer refuses other versions. */
export const RESULTS_SCHEMA_VERSION = 1;

/** Where and how the run happened. */
export interface BenchMachine {
  /** ISO time the run started. */
  startedAt: string;
  /** Wall-clock length of the whole run, in seconds. */
  durationSeconds: number;
  node: string;
  /** `redis-server --version`'s version, or "unknown". */
  redis: string;
  platform: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryMiB: number;
  /** `os.loadavg()` (1, 5, 15 min) when the run started and when it ended. */
  loadAverageAtStart: [number, number, number];
  loadAverageAtEnd: [number, number, number];
  /** Commit of the checkout the bench ran from, if git could tell. */
  gitCommit: string;
}

/** The options the run used (see `bench-options.ts`). */
export interface BenchRunSettings {
  profile: "full" | "quick";
  suites: string[];
  durationMs: number;
  warmupMs: number;
  runs: number;
  httpDurationMs: number;
  revocationSamples: number;
}

/** One printed table, as headers and already formatted cells. */
export interface TableRecord {
  suite: string;
  title: string;
  columns: { header: string; alignRight?: boolean }[];
  rows: string[][];
  /** Lines printed under the table (loader counts, errors). */
  notes: string[];
}

/** Who a row is, for the charts' colours. */
export type ContenderKind = "ours" | "floor" | "raw" | "peer";

/** One ratio measured side by side: `contender` over `baseline`, median of paired slices. */
export interface RatioRecord {
  suite: string;
  /** Short label for the chart, e.g. "ioredis backend / raw ioredis @256". */
  label: string;
  contender: string;
  baseline: string;
  kind: ContenderKind;
  ratio: number;
  /** The goal's minimum, if the ratio has a goal. */
  goal?: number;
}

/** Per-call latency of one contender at one concurrency. */
export interface LatencyRecord {
  suite: string;
  contender: string;
  kind: ContenderKind;
  concurrency: number;
  /** "on", "off" or "-" where the contender has no batching switch. */
  batching: "on" | "off" | "-";
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  opsPerSecond: number;
}

/** A goal's verdict, with the figures to show how far from the line it landed. */
export interface GoalRecord {
  suite: string;
  subject: string;
  /** "atLeast": value >= threshold passes; "below": value < threshold; "atMost": value <= it. */
  direction: "atLeast" | "below" | "atMost";
  value: number;
  threshold: number;
  /** Formatted, e.g. "0.93x" or "p99 3.37 ms". */
  measured: string;
  goal: string;
  passed: boolean;
  /** Formatted distance to the threshold, signed so that negative means missed. */
  margin: string;
}

/** Everything `benchmarks/results.json` holds. */
export interface BenchResults {
  schemaVersion: number;
  machine: BenchMachine;
  settings: BenchRunSettings;
  tables: TableRecord[];
  ratios: RatioRecord[];
  latencies: LatencyRecord[];
  goals: GoalRecord[];
}

/** Collects what the suites measured, in the order they measured it. */
export class ResultRecorder {
  readonly tables: TableRecord[] = [];
  readonly ratios: RatioRecord[] = [];
  readonly latencies: LatencyRecord[] = [];

  table(table: TableRecord): void {
    this.tables.push(table);
  }

  ratio(ratio: RatioRecord): void {
    this.ratios.push(ratio);
  }

  latency(latency: LatencyRecord): void {
    this.latencies.push(latency);
  }
}
