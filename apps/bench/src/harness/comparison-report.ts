/**
 * Turns a comparison's results into a table: ops/s (median and the spread of runs), and for
 * the rows that have one, the ratio to their baseline (median of the per-round ratios, see
 * `compareContenders`) and the goal's verdict. The table, the ratios and the goals are also
 * recorded for `benchmarks/results.json`.
 */
import { type ContenderResult, pairedRatio } from "./compare-contenders.js";
import { formatRatio } from "./goals.js";
import { reportTable } from "./report-table.js";
import type { ContenderKind } from "./results.js";
import type { SuiteContext } from "./suite.js";
import { formatCount } from "./table.js";

/** A row measured against another row of the same comparison. */
export interface RatioSpec {
  contender: string;
  baseline: string;
  /** Minimum ratio to pass; omit for an informational ratio. */
  goal?: number;
  /** Who the contender is, for the chart. @default "ours" */
  kind?: ContenderKind;
}

/** Print the table for one comparison and record its goals, ratios and table in `context`. */
export function reportComparison(options: {
  suite: string;
  title: string;
  results: readonly ContenderResult[];
  ratios: readonly RatioSpec[];
  context: Pick<SuiteContext, "goals" | "results">;
  /** Appended to each goal's subject and ratio label, e.g. " @256". */
  subjectSuffix?: string;
  /** Lines printed under the table. */
  notes?: string[];
}): void {
  const { goals, results: recorder } = options.context;
  const byName = new Map(options.results.map((result) => [result.name, result]));
  const suffix = options.subjectSuffix ?? "";
  const rows = options.results.map((result) => {
    const spread = `${formatCount(Math.min(...result.runs))}–${formatCount(Math.max(...result.runs))}`;
    const ratios: string[] = [];
    const goalCells: string[] = [];
    const verdicts: string[] = [];
    for (const spec of options.ratios.filter((ratio) => ratio.contender === result.name)) {
      const baseline = byName.get(spec.baseline);
      if (baseline === undefined) throw new Error(`no contender named "${spec.baseline}"`);
      const ratio = pairedRatio(result, baseline);
      const cpuRatio = result.cpuMicrosPerOp / baseline.cpuMicrosPerOp;
      ratios.push(`${formatRatio(ratio)} of ${spec.baseline} (CPU/op ${formatRatio(cpuRatio)})`);
      recorder.ratio({
        suite: options.suite,
        label: `${result.name} / ${spec.baseline}${suffix}`,
        contender: result.name,
        baseline: spec.baseline,
        kind: spec.kind ?? "ours",
        ratio,
        ...(spec.goal === undefined ? {} : { goal: spec.goal }),
      });
      if (spec.goal !== undefined) {
        const subject = `${result.name} / ${spec.baseline}${suffix}`;
        const verdict = goals.ratio(options.suite, subject, ratio, spec.goal);
        goalCells.push(verdict.goal);
        verdicts.push(verdict.passed ? "PASS" : "FAIL");
      }
    }
    const row = [
      result.name,
      formatCount(result.opsPerSecond),
      spread,
      formatCpu(result.cpuMicrosPerOp),
      ratios.join("; "),
      goalCells.join("; "),
      verdicts.join("; "),
    ];
    if (result.failed > 0) row[6] = `${row[6]} ${formatCount(result.failed)} errors`.trim();
    return row;
  });
  const notes = [...(options.notes ?? [])];
  for (const result of options.results) {
    if (result.failed > 0) {
      notes.push(`  ${result.name}: first error: ${describeError(result.firstError)}`);
    }
  }
  reportTable(options.context, {
    suite: options.suite,
    title: options.title,
    columns: [
      { header: "contender" },
      { header: "ops/s (median)", alignRight: true },
      { header: "runs min–max", alignRight: true },
      { header: "CPU µs/op", alignRight: true },
      { header: "ratio" },
      { header: "goal" },
      { header: "verdict" },
    ],
    rows,
    notes,
  });
}

/** The message of a contender's first error (never a secret: the bench uses throwaway keys). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** CPU microseconds per call, e.g. `"0.162"` or `"8.41"`. */
function formatCpu(micros: number): string {
  if (!Number.isFinite(micros)) return "n/a";
  return micros < 1 ? micros.toFixed(3) : micros.toFixed(2);
}
