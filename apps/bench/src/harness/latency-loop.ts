/**
 * A closed loop (see `closed-loop.ts`) that also times every call, from its start to its
 * settling, so percentiles show what one caller waits at a given number of calls in flight.
 * Samples go into a preallocated buffer; past its size calls are still counted, not timed.
 */
import type { Operation } from "./closed-loop.js";

/** Calls timed per run at most (8 MB of samples). */
const MAX_SAMPLES = 1_000_000;
const CLOCK_EVERY = 16;

/** What one timed run measured. */
export interface LatencyRun {
  completed: number;
  failed: number;
  firstError: unknown;
  elapsedMs: number;
  /** Per-call latencies of resolved calls, in ms, in completion order. */
  samplesMs: Float64Array;
}

/** Drive `operation` with `concurrency` calls in flight for `durationMs`, timing each call. */
export async function runLatencyLoop(
  operation: Operation,
  options: { concurrency: number; durationMs: number },
): Promise<LatencyRun> {
  const buffer = new Float64Array(MAX_SAMPLES);
  let recorded = 0;
  let sequence = 0;
  let completed = 0;
  let failed = 0;
  let firstError: unknown;
  const startedAt = performance.now();
  const stopAt = startedAt + options.durationMs;
  let stopped = false;
  const caller = async (): Promise<void> => {
    while (!stopped) {
      const current = sequence++;
      if (current % CLOCK_EVERY === 0 && performance.now() >= stopAt) {
        stopped = true;
        return;
      }
      const callStartedAt = performance.now();
      try {
        await operation(current);
        const latency = performance.now() - callStartedAt;
        completed++;
        if (recorded < MAX_SAMPLES) buffer[recorded++] = latency;
      } catch (error) {
        if (failed === 0) firstError = error;
        failed++;
      }
    }
  };
  const callers: Promise<void>[] = [];
  for (let i = 0; i < options.concurrency; i++) callers.push(caller());
  await Promise.all(callers);
  return {
    completed,
    failed,
    firstError,
    elapsedMs: performance.now() - startedAt,
    samplesMs: buffer.slice(0, recorded),
  };
}
