/** The suite's assertions over one scenario's rows. */
import type { Check } from "./scenario.js";
import type { TrafficResult } from "./traffic.js";
import { MARGIN_MS, REVOKE_BOUND_MS, resolveBoundMs } from "./traffic.js";

/** Recovery must come within this of Redis returning. */
export const RECOVERY_BOUND_MS = 2_000;

export function rowChecks(
  row: TrafficResult,
  loaderMs: number,
  recoveryBound?: { readonly ms: number; readonly reason: string },
): Check[] {
  const checks: Check[] = [
    {
      label: `${row.kind}: zero valid requests failed`,
      passed: row.validFailed === 0,
      detail: `${row.validFailed} of ${row.validChecked}${row.firstValidFailure === undefined ? "" : `; first: ${row.firstValidFailure}`}`,
    },
    {
      label: `${row.kind}: zero revoked keys accepted after revoke returned`,
      passed: row.revokedAccepted === 0,
      detail: `${row.revokedAccepted} of ${row.revokedChecked} (within the tiered L1 bound: ${row.revokedAcceptedWithinBound}${row.revokedAcceptedLostTombstone === undefined ? "" : `; on tombstones the failover lost, the documented bound: ${row.revokedAcceptedLostTombstone}`})`,
    },
    {
      label: `${row.kind}: no resolve over ${resolveBoundMs(loaderMs)} ms, no revoke over ${REVOKE_BOUND_MS} ms (deadlines + loader + ${MARGIN_MS} ms)`,
      passed: row.resolvesOverBound === 0 && row.revokesOverBound === 0,
      detail: `resolves over: ${row.resolvesOverBound} (max ${row.latency.max.toFixed(0)} ms); revokes over: ${row.revokesOverBound} (max ${row.maxRevokeMs.toFixed(0)} ms)`,
    },
  ];
  if (row.recoveryMs !== undefined) {
    const boundMs = recoveryBound?.ms ?? RECOVERY_BOUND_MS;
    const measured = `${Number.isFinite(row.recoveryMs) ? row.recoveryMs.toFixed(0) : "never"} ms`;
    checks.push({
      label:
        recoveryBound === undefined
          ? `${row.kind}: recovery within ${RECOVERY_BOUND_MS} ms of Redis returning`
          : `${row.kind}: recovery within ${boundMs} ms of Redis returning (the ${RECOVERY_BOUND_MS} ms goal is not held here: ${recoveryBound.reason})`,
      passed: row.recoveryMs <= boundMs,
      detail:
        recoveryBound === undefined || row.recoveryMs <= RECOVERY_BOUND_MS
          ? measured
          : `${measured}: over the ${RECOVERY_BOUND_MS} ms goal`,
    });
  }
  return checks;
}
