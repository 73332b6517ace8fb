/**
 * CPU time used by other processes (the demo's workers), read from Linux's `/proc`. Divided by
 * the requests served it gives the cost of one request, a figure that other work on the machine
 * disturbs far less than req/s does: time the scheduler hands to someone else is not counted.
 */
import { readFileSync } from "node:fs";

/** `USER_HZ`, the unit of the times in `/proc/<pid>/stat`: 100 on every Linux build in use. */
const CLOCK_TICKS_PER_SECOND = 100;

/** User plus system CPU seconds of `pid` so far, or `undefined` where `/proc` cannot tell. */
export function processCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces; the numeric fields follow its ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) return undefined;
  return (userTicks + systemTicks) / CLOCK_TICKS_PER_SECOND;
}

/** The summed CPU seconds of `pids`, or `undefined` if any of them cannot be read. */
export function totalCpuSeconds(pids: readonly number[]): number | undefined {
  let total = 0;
  for (const pid of pids) {
    const seconds = processCpuSeconds(pid);
    if (seconds === undefined) return undefined;
    total += seconds;
  }
  return total;
}
