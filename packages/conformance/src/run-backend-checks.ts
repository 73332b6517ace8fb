/**
 * Run the conformance checks outside vitest and report each one's outcome, instead of failing
 * on the first. This is how the suite's own tests prove it catches deliberately broken
 * backends; it also suits a quick script against a new backend.
 */
import type { ApiKeyCacheBackend } from "@apikey/core";
import type { BackendCheck, BackendCheckGroup } from "./backend-check.js";
import { DEFAULT_CHECK_TIMEOUT_MS } from "./backend-check.js";
import { listBackendChecks } from "./backend-checks.js";
import { createCheckSession } from "./check-session.js";
import type { BackendConformanceOptions } from "./conformance-options.js";

/** What to run. */
export interface RunBackendChecksFilter {
  /** Only these groups. @default every group */
  groups?: readonly BackendCheckGroup[];
  /** Only checks whose id is listed (e.g. `"ttl.fractional"`). @default every check of `groups` */
  ids?: readonly string[];
}

/** The outcome of one check. */
export interface BackendCheckResult {
  readonly id: string;
  readonly group: BackendCheckGroup;
  readonly title: string;
  /** `"skipped"` only for a capability gap the options declare. */
  readonly status: "passed" | "failed" | "skipped";
  /** Why it failed (the assertion or backend error), or why it was skipped. */
  readonly error?: unknown;
  readonly skipReason?: string;
}

/**
 * Run the checks one after another, each with a fresh session whose backends are disposed
 * afterwards; a check that outlives its timeout fails. Never rejects for a failing check.
 */
export async function runBackendChecks<B extends ApiKeyCacheBackend>(
  options: BackendConformanceOptions<B>,
  filter: RunBackendChecksFilter = {},
): Promise<BackendCheckResult[]> {
  // Checks only use the protocol, so they take any backend type.
  const general = options as unknown as BackendConformanceOptions;
  const ids = filter.ids === undefined ? undefined : new Set(filter.ids);
  const checks = listBackendChecks(filter.groups).filter((check) => ids?.has(check.id) ?? true);
  const results: BackendCheckResult[] = [];
  for (const check of checks) results.push(await runOneCheck(check, general));
  return results;
}

async function runOneCheck(
  check: BackendCheck,
  options: BackendConformanceOptions,
): Promise<BackendCheckResult> {
  const base = { id: check.id, group: check.group, title: check.title };
  const skipReason = check.unsupportedReason?.(options);
  if (skipReason !== undefined) return { ...base, status: "skipped", skipReason };
  const session = createCheckSession(options);
  let error: unknown;
  let failed = false;
  try {
    await withTimeout(check.run(session.context), check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS);
  } catch (caught) {
    failed = true;
    error = caught;
  }
  try {
    await session.dispose();
  } catch (caught) {
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
