/**
 * A closed-loop load generator: `concurrency` callers, each starting its next call as soon as
 * the previous one settles, for a bounded time. The tricky point is stopping: calls served
 * from memory settle in microtasks and never yield to timers, so the callers read the clock
 * themselves (every few calls overall, to keep it off the hot path of sub-microsecond calls).
 */

/** One call of the workload; `sequence` is a global call counter, e.g. to pick a key. */
export type Operation = (sequence: number) => Promise<unknown>;

/** How hard and how long to drive an {@link Operation}. */
export interface ClosedLoopOptions {
  /** Calls in flight at any time. */
  concurrency: number;
  /** Wall-clock length of the run, in ms. */
  durationMs: number;
}

/** What one closed-loop run achieved. */
export interface ClosedLoopResult {
  /** Calls that resolved. */
  completed: number;
  /** Calls that rejected (not counted in {@link opsPerSecond}). */
  failed: number;
  /** The first rejection, to show why. */
  firstError: unknown;
  elapsedMs: number;
  /** Resolved calls per second of wall-clock time. */
  opsPerSecond: number;
  /**
   * CPU time (user + system) this process spent during the run, in microseconds. Per call, it
   * is steadier than ops/s when other processes compete for the cores.
   */
  cpuMicros: number;
}

/** Calls started between two clock reads (all callers together). */
const CLOCK_EVERY = 16;

/** Drive `operation` with `concurrency` calls in flight for `durationMs`. */
export async function runClosedLoop(
  operation: Operation,
  options: ClosedLoopOptions,
): Promise<ClosedLoopResult> {
  let sequence = 0;
  let completed = 0;
  let failed = 0;
  let firstError: unknown;
  const cpuAtStart = process.cpuUsage();
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
      try {
        await operation(current);
        completed++;
      } catch (error) {
        if (failed === 0) firstError = error;
        failed++;
      }
    }
  };

  const callers: Promise<void>[] = [];
  for (let i = 0; i < options.concurrency; i++) callers.push(caller());
  await Promise.all(callers);
  const elapsedMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    completed,
    failed,
    firstError,
    elapsedMs,
    opsPerSecond: (completed * 1000) / elapsedMs,
    cpuMicros: cpu.user + cpu.system,
  };
}
