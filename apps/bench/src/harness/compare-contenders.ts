/**
 * Measure several contenders under the same workload on a machine that other work shares.
 * Each run of `durationMs` is cut into short slices and the slices of all contenders are
 * interleaved, in list order on even rounds and reversed on odd ones: a burst of noise lands
 * on every contender, and two neighbours in the list (a contender and its baseline) are always
 * measured back to back, so their per-round ratio cancels slow drifts. Reported: the median
 * run, and for ratios the median of the per-round ratios.
 */
import { type Operation, runClosedLoop } from "./closed-loop.js";

/** One implementation under test. */
export interface Contender {
  /** Row label in the results table. */
  name: string;
  /** One call of the workload; must reject on a wrong answer (e.g. a miss in a hit benchmark). */
  operation: Operation;
}

/** Workload shape shared by all contenders of one comparison. */
export interface ComparisonOptions {
  concurrency: number;
  /** Measured time of one run of one contender, in ms. */
  durationMs: number;
  warmupMs: number;
  /** Runs per contender; the median run is reported. */
  runs: number;
}

/** Median and spread of one contender's runs. */
export interface ContenderResult {
  name: string;
  /** Median of the runs' ops/s. */
  opsPerSecond: number;
  /** Every run's ops/s, in run order. */
  runs: number[];
  /** Median over runs of this process's CPU time per resolved call, in microseconds. */
  cpuMicrosPerOp: number;
  /** ops/s of every slice, in round order (the same round index across contenders). */
  slices: number[];
  /** Calls that rejected, over all runs. */
  failed: number;
  firstError: unknown;
}

interface RunTotals {
  completed: number;
  elapsedMs: number;
  cpuMicros: number;
}

/** Longest slice: short enough that noise bursts hit neighbours alike. */
const MAX_SLICE_MS = 500;

/** Warm every contender up, then measure each `runs` times in interleaved slices. */
export async function compareContenders(
  contenders: readonly Contender[],
  options: ComparisonOptions,
): Promise<ContenderResult[]> {
  const slicesPerRun = Math.max(1, Math.ceil(options.durationMs / MAX_SLICE_MS));
  const sliceMs = options.durationMs / slicesPerRun;
  const results: ContenderResult[] = contenders.map((contender) => ({
    name: contender.name,
    opsPerSecond: 0,
    runs: [],
    cpuMicrosPerOp: 0,
    slices: [],
    failed: 0,
    firstError: undefined,
  }));
  for (const contender of contenders) {
    await runClosedLoop(contender.operation, {
      concurrency: options.concurrency,
      durationMs: options.warmupMs,
    });
  }
  const perRun: RunTotals[] = results.map(() => ({ completed: 0, elapsedMs: 0, cpuMicros: 0 }));
  const cpuPerOpRuns = results.map(() => [] as number[]);
  let round = 0;
  for (let run = 0; run < options.runs; run++) {
    for (const totals of perRun) {
      totals.completed = 0;
      totals.elapsedMs = 0;
      totals.cpuMicros = 0;
    }
    for (let slice = 0; slice < slicesPerRun; slice++, round++) {
      for (let position = 0; position < contenders.length; position++) {
        const index = round % 2 === 0 ? position : contenders.length - 1 - position;
        const contender = contenders[index] as Contender;
        const result = results[index] as ContenderResult;
        const totals = perRun[index] as RunTotals;
        // Let the previous slice's leftovers (replies in flight, timers) drain first.
        await new Promise((resolve) => setImmediate(resolve));
        const measured = await runClosedLoop(contender.operation, {
          concurrency: options.concurrency,
          durationMs: sliceMs,
        });
        result.slices.push(measured.opsPerSecond);
        totals.completed += measured.completed;
        totals.elapsedMs += measured.elapsedMs;
        totals.cpuMicros += measured.cpuMicros;
        if (result.failed === 0 && measured.failed > 0) result.firstError = measured.firstError;
        result.failed += measured.failed;
      }
    }
    results.forEach((result, index) => {
      const totals = perRun[index] as RunTotals;
      result.runs.push((totals.completed * 1000) / totals.elapsedMs);
      (cpuPerOpRuns[index] as number[]).push(totals.cpuMicros / totals.completed);
    });
  }
  results.forEach((result, index) => {
    result.opsPerSecond = median(result.runs);
    result.cpuMicrosPerOp = median(cpuPerOpRuns[index] as number[]);
  });
  return results;
}

/** Median over rounds of `contender`'s slice rate divided by `baseline`'s in the same round. */
export function pairedRatio(contender: ContenderResult, baseline: ContenderResult): number {
  const ratios = contender.slices.map(
    (rate, round) => rate / (baseline.slices[round] ?? Number.NaN),
  );
  return median(ratios.filter((ratio) => Number.isFinite(ratio)));
}

/** Median of a list (mean of the middle two for an even length); NaN if empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[middle] as number;
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
