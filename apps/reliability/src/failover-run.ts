/**
 * The run the topology scenarios share: every Redis subject under traffic, the master killed
 * for good, the new master awaited (bounded), then: recovery timed from the new master being
 * reachable, the bus checked on the tiered subjects (a revoke on A still drops B's L1 copy),
 * revokes checked to return after the failover, and the acknowledged tombstones the failover
 * lost looked up, so an acceptance of such a key is reported as the documented failover bound
 * and any other still counts.
 *
 * Valid requests get no failover window: the resolver bypasses a failing or slow cache and
 * answers from the loader (docs/architecture.md, "The resolver", step 2, and "During a cluster
 * failover": "No valid request fails"), and the database here never fails, so every valid
 * request must succeed through the outage too.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { ioredisDriver } from "@apikey/redis-ioredis";
import {
  BUS_DROP_BOUND_MS,
  type BusDeliveryResult,
  probeBusDelivery,
} from "./bus-delivery-probe.js";
import {
  findLostTombstones,
  type LostTombstones,
  withLostTombstoneBound,
} from "./lost-tombstones.js";
import type { Profile } from "./profile.js";
import { type Check, runWithFault } from "./scenario.js";
import { sleep } from "./sleep.js";
import { REDIS_KINDS, RESOLVER_SETTINGS } from "./subjects.js";
import type { TrafficResult, TrafficRun } from "./traffic.js";

/** Bus probes per tiered subject after the failover. */
const BUS_PROBES = 5;
const RECOVERY_POLL_MS = 25;
const RECOVERY_WAIT_POLLS = 400;

export interface FailoverRunOptions {
  readonly profile: Profile;
  readonly tag: string;
  /** What the backends are built from (a cluster seed or a `redis+sentinel://` URL). */
  readonly redisUrl: string;
  /** What the lost tombstones are read back through once it is over (a live node). */
  readonly storeUrl: () => string;
  readonly cluster: boolean;
  readonly probeKeyFor?: (keyPrefix: string) => string;
  /** A cluster run: whether a full key (prefix included) is on the killed master's slots. */
  readonly onKilledMaster?: (fullKey: string) => boolean;
  /** SIGKILL the master; resolves once it has exited. */
  kill(): Promise<void>;
  /** Resolves once the new master serves (bounded); rejects if it never does. */
  waitForNewMaster(): Promise<void>;
}

export interface FailoverRunOutcome {
  readonly rows: TrafficResult[];
  readonly checks: Check[];
  readonly notes: string[];
  /** From the kill to the new master serving, in ms. */
  readonly failoverMs: number;
}

interface SubjectFindings {
  readonly kind: string;
  readonly run: TrafficRun;
  revokesAfterFailover: number;
  lost?: LostTombstones;
  bus?: BusDeliveryResult;
}

/** Failed revoke attempts on the killed master's slots and on the live masters' ones. */
function summarizeFailedRevokes(
  finding: SubjectFindings,
  onKilledMaster: (fullKey: string) => boolean,
): string {
  let killed = 0;
  let live = 0;
  for (const [hash, failures] of finding.run.revokeAttemptFailures()) {
    if (onKilledMaster(finding.run.subject.keyPrefix + hash)) killed += failures;
    else live += failures;
  }
  return `${finding.kind}: ${killed} on the killed master's slots, ${live} on the live masters'`;
}

function summarizeLost(finding: SubjectFindings, row: TrafficResult): string {
  const lost = finding.lost;
  if (lost === undefined) return `${finding.kind}: not looked up`;
  return `${finding.kind}: ${lost.lost.size} of ${lost.checked} acknowledged tombstones lost (${lost.lostBeforeKill} acknowledged before the kill, ${lost.lostAfterKill} after, ${lost.unreadable} unreadable); revoked keys accepted on them: ${row.revokedAcceptedLostTombstone ?? 0}`;
}

export async function runFailover(options: FailoverRunOptions): Promise<FailoverRunOutcome> {
  let killedAt = 0;
  let failoverMs = Number.NaN;
  let servingAt = Number.POSITIVE_INFINITY;
  const findings: SubjectFindings[] = [];
  // A stall of this process (a loaded machine) shows in every latency; it is reported beside them.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const rawRows = await runWithFault({
    profile: options.profile,
    kinds: REDIS_KINDS,
    redisUrl: options.redisUrl,
    cluster: options.cluster,
    tag: options.tag,
    ...(options.probeKeyFor === undefined ? {} : { probeKeyFor: options.probeKeyFor }),
    fault: async (faultEnded, runs) => {
      for (const run of runs)
        findings.push({ kind: run.subject.kind, run, revokesAfterFailover: 0 });
      const killStartedAt = performance.now();
      await options.kill();
      killedAt = performance.now();
      await options.waitForNewMaster();
      servingAt = performance.now();
      failoverMs = servingAt - killStartedAt;
      faultEnded();
      await Promise.all(
        findings.map(async (finding) => {
          if (!finding.kind.startsWith("tiered")) return;
          const subject = finding.run.subject;
          // Probed once this subject writes to the killed master's slots again (bounded).
          for (let i = 0; i < RECOVERY_WAIT_POLLS && !finding.run.hasRecovered(); i++) {
            await sleep(RECOVERY_POLL_MS);
          }
          finding.bus = await probeBusDelivery(
            subject,
            subject.database,
            killStartedAt,
            BUS_PROBES,
          );
        }),
      );
    },
  });
  loopDelay.disable();
  for (const finding of findings) {
    const revokes = finding.run.revokeReturnTimes();
    for (const returnedAt of revokes.values())
      if (returnedAt >= servingAt) finding.revokesAfterFailover++;
    finding.lost = await findLostTombstones({
      redisUrl: options.storeUrl(),
      cluster: options.cluster,
      keyPrefix: finding.run.subject.keyPrefix,
      driver: ioredisDriver,
      revokes,
      killedAt,
    });
  }
  const rows = rawRows.map((row, index) => {
    const lost = findings[index]?.lost?.lost;
    return lost === undefined ? row : withLostTombstoneBound(row, lost);
  });
  const checks: Check[] = [];
  for (const finding of findings) {
    const lost = finding.lost;
    checks.push(
      {
        label: `${finding.kind}: revokes return after the failover`,
        passed: finding.revokesAfterFailover > 0,
        detail: `${finding.revokesAfterFailover} returned after the new master served`,
      },
      {
        label: `${finding.kind}: no tombstone acknowledged after the kill was lost, every one read back`,
        passed: lost !== undefined && lost.lostAfterKill === 0 && lost.unreadable === 0,
        detail:
          lost === undefined
            ? "not looked up"
            : `lost: ${lost.lost.size} of ${lost.checked} (before the kill: ${lost.lostBeforeKill}, after: ${lost.lostAfterKill}); unreadable: ${lost.unreadable}`,
      },
    );
    const bus = finding.bus;
    if (bus !== undefined) {
      checks.push({
        label: `${finding.kind}: after the failover a revoke on A drops B's L1 copy through the bus within ${BUS_DROP_BOUND_MS} ms`,
        passed: bus.attempted > 0 && bus.delivered === bus.attempted && bus.failures.length === 0,
        detail: `${bus.delivered} of ${bus.attempted} (max ${bus.maxDropMs.toFixed(0)} ms)${bus.failures.length === 0 ? "" : `; ${bus.failures.join("; ")}`}`,
      });
    }
  }
  const notes = [
    `failover: ${failoverMs.toFixed(0)} ms from the SIGKILL to the new master serving; recovery is timed from then`,
    `event-loop delay of the driver process during the traffic: p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms (a stall there adds to every latency above)`,
    'valid requests get no failover window: the resolver bypasses a failing cache and answers from the loader (docs/architecture.md, "The resolver" step 2; "During a cluster failover": no valid request fails), so they must not fail at all',
    `lost tombstones: Redis replication is asynchronous, so the kill loses what the master acknowledged but had not sent to its replica (docs/architecture.md, "During a cluster failover": the window is the replication lag; "The revocation guarantee", "Not covered": such a key is served for at most \`ttlSeconds\`, ${RESOLVER_SETTINGS.ttlSeconds} s here). Acceptances of those keys are the documented bound, counted apart; any other acceptance counts. ${rows.map((row, index) => summarizeLost(findings[index] as SubjectFindings, row)).join("; ")}`,
    ...(options.onKilledMaster === undefined
      ? []
      : [
          `failed revoke attempts by the key's master: ${findings.map((finding) => summarizeFailedRevokes(finding, options.onKilledMaster as (fullKey: string) => boolean)).join("; ")} (with the default cluster-require-full-coverage every master answers CLUSTERDOWN between the failure detection and the promotion; a client retries that within the command deadline)`,
        ]),
    ...findings.flatMap((finding) =>
      finding.bus === undefined
        ? []
        : [
            `${finding.kind}: L1 on in both instances ${finding.bus.l1OnAfterMs === undefined ? "never" : `${finding.bus.l1OnAfterMs.toFixed(0)} ms`} after the kill (looked at once the new master served); bus probes: ${finding.bus.delivered} of ${finding.bus.attempted} dropped B's copy, slowest ${finding.bus.maxDropMs.toFixed(0)} ms after the revoke returned${finding.bus.notFilled === 0 ? "" : ` (${finding.bus.notFilled} key(s) skipped: B's L1 did not take them within the fill attempts)`}`,
          ],
    ),
  ];
  return { rows, checks, notes, failoverMs };
}
