/**
 * Goals are informational: a missed goal is printed as FAIL but does not fail the process
 * (machine noise would make that flaky). Every verdict is collected for the final summary.
 */
import type { GoalRecord } from "./results.js";

/**
 * The verdict on one goal: `subject` (e.g. "IoredisApiKeyCacheBackend / raw ioredis @256"),
 * the figure and the goal both as numbers and formatted ("0.94x", ">= 0.90x"), and the margin.
 */
export type GoalVerdict = GoalRecord;

/** Collects verdicts across suites. */
export class GoalBook {
  readonly verdicts: GoalVerdict[] = [];

  /** Record a ratio goal (`ratio >= minimum`) and return the verdict. */
  ratio(suite: string, subject: string, ratio: number, minimum: number): GoalVerdict {
    return this.#add({
      suite,
      subject,
      direction: "atLeast",
      value: ratio,
      threshold: minimum,
      measured: formatRatio(ratio),
      goal: `>= ${minimum.toFixed(2)}x`,
      passed: ratio >= minimum,
      margin: ratioMargin(ratio, minimum),
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
      direction: "below",
      value: valueMs,
      threshold: limitMs,
      measured: `${label} ${formatMs(valueMs)}`,
      goal: `${label} < ${formatMs(limitMs)}`,
      passed: valueMs < limitMs,
      margin: Number.isFinite(valueMs) ? `${signed(limitMs - valueMs, 2)} ms` : "n/a",
    });
  }

  /** Record a count goal (`value <= maximum`, e.g. loader calls per stampede). */
  countAtMost(
    suite: string,
    subject: string,
    value: number,
    maximum: number,
    unit: string,
  ): GoalVerdict {
    return this.#add({
      suite,
      subject,
      direction: "atMost",
      value,
      threshold: maximum,
      measured: `${formatCount(value)} ${unit}`,
      goal: `<= ${formatCount(maximum)} ${unit}`,
      passed: value <= maximum,
      margin: Number.isFinite(value) ? signed(maximum - value, 2) : "n/a",
    });
  }

  #add(verdict: GoalVerdict): GoalVerdict {
    this.verdicts.push(verdict);
    return verdict;
  }
}

/** `+0.04x (+4%)` for 0.94 against 0.90; negative when the goal is missed. */
export function ratioMargin(ratio: number, minimum: number): string {
  if (!Number.isFinite(ratio)) return "n/a";
  const percent = ((ratio / minimum - 1) * 100).toFixed(0);
  return `${signed(ratio - minimum, 2)}x (${percent.startsWith("-") ? "" : "+"}${percent}%)`;
}

function signed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return text.startsWith("-") ? text : `+${text}`;
}

/** Up to two decimals, no trailing zeros: `1` → `"1"`, `1.25` → `"1.25"`. */
function formatCount(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : "n/a";
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
