/**
 * Run the conformance checks outside vitest and report each one's outcome, instead of failing
 * on the first. This is how the suite's own tests prove it catches deliberately broken
 * backends; it also suits a quick script against a new backend.
 */
import type { ApiKeyCacheBackend } from "@apikey/core";
import { type CheckResult, runChecks } from "../run-checks.js";
import type { BackendCheckGroup } from "./backend-check.js";
import { listBackendChecks } from "./backend-checks.js";
import { backendCheckSuite } from "./check-session.js";
import type { BackendConformanceOptions } from "./conformance-options.js";

/** What to run. */
export interface RunBackendChecksFilter {
  /** Only these groups. @default every group */
  groups?: readonly BackendCheckGroup[];
  /** Only checks whose id is listed (e.g. `"ttl.fractional"`). @default every check of `groups` */
  ids?: readonly string[];
}

/**
 * The outcome of one check: `"skipped"` only for a capability gap the options declare, with
 * `skipReason`; `"failed"` with `error`, the assertion or backend error.
 */
export interface BackendCheckResult extends CheckResult<BackendCheckGroup> {}

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
  return runChecks(listBackendChecks(filter.groups), backendCheckSuite, general, filter.ids);
}
