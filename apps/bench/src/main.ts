/**
 * `pnpm bench`: runs the selected suites in order, prints each suite's tables, then a summary
 * of every goal. Goals are informational: the exit code is 0 unless the bench itself crashed.
 * `pnpm bench:report` (src/bench-report.ts) runs the same suites and writes the report files.
 */
import { parseBenchOptions } from "./harness/bench-options.js";
import { runSuites } from "./harness/run-suites.js";

runSuites(parseBenchOptions(process.argv.slice(2), process.env)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error("bench crashed:", error);
    process.exit(1);
  },
);
