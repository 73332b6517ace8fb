/** The shape of one benchmark suite (one per file under src/suites/). */
import type { BenchOptions, SuiteName } from "./bench-options.js";
import type { GoalBook } from "./goals.js";
import type { ResultRecorder } from "./results.js";

/** What a suite gets from the runner. */
export interface SuiteContext {
  options: BenchOptions;
  /** Where the suite records its goals' verdicts. */
  goals: GoalBook;
  /** Where the suite records its tables, ratios and latencies for `benchmarks/results.json`. */
  results: ResultRecorder;
}

/** A named benchmark that prints its own tables. */
export interface BenchSuite {
  name: SuiteName;
  /** One line on what it compares, printed as the suite's heading. */
  description: string;
  run(context: SuiteContext): Promise<void>;
}
