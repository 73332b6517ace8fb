/**
 * Goals are informational: a missed goal is printed as FAIL but does not fail the process
 * (machine noise would make that flaky). Every verdict is collected for the final summary.
 */

/** The verdict on one goal. */
export interface GoalVerdict {
  suite: string;
  /** What was measured, e.g. "IoredisApiKeyCacheBackend / raw ioredis @256". */
  subject: string;
  /** The measured figure, formatted, e.g. "0.94x" or "p99 3.1 ms". */
  measured: string;
  /** The goal, formatted, e.g. ">= 0.90x". */
  goal: string;
  passed: boolean;
}

/** Collects verdicts across suites. */
export class GoalBook {
  readonly verdicts: GoalVerdict[] = [];

  /** Record a ratio goal (`ratio >= minimum`) and return the verdict. */
  ratio(suite: string, subject: string, ratio: number, minimum: number): GoalVerdict {
    return this.#add({
      suite,
      subject,
      measured: formatRatio(ratio),
      goal: `>= ${minimum.toFixed(2)}x`,
      passed: ratio >= minimum,
    });
  }

  /** Record a latency goal (`valueMs < limitMs`) and return the verdict. */
  latencyBelow(
    suite: string,
    subject: string,
    label: string,
    valueMs: number,
    limitMs: number,
  ): GoalVerdict {
    return this.#add({
      suite,
      subject,
      measured: `${label} ${formatMs(valueMs)}`,
      goal: `${label} < ${formatMs(limitMs)}`,
      passed: valueMs < limitMs,
    });
  }

  #add(verdict: GoalVerdict): GoalVerdict {
    this.verdicts.push(verdict);
    return verdict;
  }
}

/** `0.934` → `"0.93x"`. */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : "n/a";
}

/** Milliseconds with a precision that suits their size. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(0)} ms`;
}
