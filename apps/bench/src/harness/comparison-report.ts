/**
 * Turns a comparison's results into a table: ops/s (median and the spread of runs), and for
 * the rows that have one, the ratio to their baseline (median of the per-round ratios, see
 * `compareContenders`) and the goal's verdict.
 */
import { type ContenderResult, pairedRatio } from "./compare-contenders.js";
import { formatRatio, type GoalBook } from "./goals.js";
import { formatCount, renderTable } from "./table.js";

/** A row measured against another row of the same comparison. */
export interface RatioSpec {
  contender: string;
  baseline: string;
  /** Minimum ratio to pass; omit for an informational ratio. */
  goal?: number;
}

/** Print the table for one comparison and record its goals in `goals`. */
export function reportComparison(options: {
  suite: string;
  title: string;
  results: readonly ContenderResult[];
  ratios: readonly RatioSpec[];
  goals: GoalBook;
  /** Appended to each goal's subject, e.g. "@256". */
  subjectSuffix?: string;
}): void {
  const byName = new Map(options.results.map((result) => [result.name, result]));
  const rows = options.results.map((result) => {
    const spread = `${formatCount(Math.min(...result.runs))}–${formatCount(Math.max(...result.runs))}`;
    const ratios: string[] = [];
    const goals: string[] = [];
    const verdicts: string[] = [];
    for (const spec of options.ratios.filter((ratio) => ratio.contender === result.name)) {
      const baseline = byName.get(spec.baseline);
      if (baseline === undefined) throw new Error(`no contender named "${spec.baseline}"`);
      const ratio = pairedRatio(result, baseline);
      const cpuRatio = result.cpuMicrosPerOp / baseline.cpuMicrosPerOp;
      ratios.push(`${formatRatio(ratio)} of ${spec.baseline} (CPU/op ${formatRatio(cpuRatio)})`);
      if (spec.goal !== undefined) {
        const subject = `${result.name} / ${spec.baseline}${options.subjectSuffix ?? ""}`;
        const verdict = options.goals.ratio(options.suite, subject, ratio, spec.goal);
        goals.push(verdict.goal);
        verdicts.push(verdict.passed ? "PASS" : "FAIL");
      }
    }
    const row = [
      result.name,
      formatCount(result.opsPerSecond),
      spread,
      formatCpu(result.cpuMicrosPerOp),
      ratios.join("; "),
      goals.join("; "),
      verdicts.join("; "),
    ];
    if (result.failed > 0) row[6] = `${row[6]} ${formatCount(result.failed)} errors`.trim();
    return row;
  });
  console.log(`\n${options.title}\n`);
  console.log(
    renderTable(
      [
        { header: "contender" },
        { header: "ops/s (median)", alignRight: true },
        { header: "runs min–max", alignRight: true },
        { header: "CPU µs/op", alignRight: true },
        { header: "ratio" },
        { header: "goal" },
        { header: "verdict" },
      ],
      rows,
    ),
  );
  for (const result of options.results) {
    if (result.failed > 0) {
      console.log(`  ${result.name}: first error: ${describeError(result.firstError)}`);
    }
  }
}

function describeError(error: unknown): string {
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
