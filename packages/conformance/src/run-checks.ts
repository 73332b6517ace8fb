/**
 * The check runner both suites use outside vitest (`runBackendChecks`,
 * `runInvalidationBusChecks`): each check in its own session, one after another, every outcome
 * reported instead of stopping at the first failure.
 */
import type { ConformanceCheck, ConformanceSuite } from "./conformance-check.js";

/** The outcome of one check. */
export interface CheckResult<Group extends string> {
  readonly id: string;
  readonly group: Group;
  readonly title: string;
  /** `"skipped"` only when the options declare they cannot run the check. */
  readonly status: "passed" | "failed" | "skipped";
  /** Why it failed (the assertion or the implementation's error). */
  readonly error?: unknown;
  /** Why it was skipped. */
  readonly skipReason?: string;
}

/**
 * Run `checks` (only those listed in `ids`, when given) one after another, each with a fresh
 * session disposed afterwards; a check that outlives its timeout fails, and so does a clean
 * check whose disposal fails. Never rejects for a failing check.
 */
export async function runChecks<Group extends string, Options, Context>(
  checks: readonly ConformanceCheck<Group, Options, Context>[],
  suite: ConformanceSuite<Options, Context>,
  options: Options,
  ids: readonly string[] | undefined,
): Promise<CheckResult<Group>[]> {
  const wanted = ids === undefined ? undefined : new Set(ids);
  const results: CheckResult<Group>[] = [];
  for (const check of checks) {
    if (wanted?.has(check.id) ?? true) results.push(await runCheck(check, suite, options));
  }
  return results;
}

async function runCheck<Group extends string, Options, Context>(
  check: ConformanceCheck<Group, Options, Context>,
  suite: ConformanceSuite<Options, Context>,
  options: Options,
): Promise<CheckResult<Group>> {
  const base = { id: check.id, group: check.group, title: check.title };
  const skipReason = check.unsupportedReason?.(options);
  if (skipReason !== undefined) return { ...base, status: "skipped", skipReason };
  const session = suite.startSession(options);
  let error: unknown;
  let failed = false;
  try {
    await withTimeout(check.run(session.context), check.timeoutMs ?? suite.defaultTimeoutMs);
  } catch (caught) {
    failed = true;
    error = caught;
  }
  try {
    await session.dispose();
  } catch (caught) {
    // The check's own failure says more than a disposal failure it may have caused.
    if (!failed) {
      failed = true;
      error = caught;
    }
  }
  return failed ? { ...base, status: "failed", error } : { ...base, status: "passed" };
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the check did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
