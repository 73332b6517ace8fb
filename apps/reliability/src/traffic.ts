/**
 * Open-loop traffic against one subject: requests are sent on a fixed schedule (N per second,
 * whatever the latency), with a cap on requests in flight (a request over the cap is shed and
 * counted, never queued), revocations issued throughout, and a probe that writes to the
 * store every 25 ms to time the recovery once a fault ends. Every request is classified:
 *
 * - a valid key (active in the database when the request started and when it ended) must
 *   resolve to an active record; anything else, an error included, is a failed valid request;
 * - a revoked key whose `revoke` had returned before the request started must not resolve to an
 *   active record. On a tiered peer (instance B; the revoke ran on A) the documented bound is
 *   the L1 lifetime: such an acceptance within it is reported separately, past it it counts.
 */
import { randomBytes } from "node:crypto";
import type { KeyDatabase, KeyEntry } from "./key-database.js";
import { type LatencySummary, summarizeLatencies } from "./latency-stats.js";
import type { Profile } from "./profile.js";
import { sleep } from "./sleep.js";
import { LOCAL_TTL_SECONDS, RESOLVER_SETTINGS, type Subject } from "./subjects.js";

/** Slack for a loaded two-core machine on top of the deadlines an operation may add up. */
export const MARGIN_MS = 500;
/** Longest a resolve may take: a cache read, a load and a cache write, each bounded. */
export function resolveBoundMs(loaderMs: number): number {
  return 2 * RESOLVER_SETTINGS.timeoutMs + loaderMs + MARGIN_MS;
}
/** Longest a revoke may take: its write deadline. */
export const REVOKE_BOUND_MS = RESOLVER_SETTINGS.writeTimeoutMs + MARGIN_MS;

const PROBE_EVERY_MS = 25;
const PROBE_MAX_IN_FLIGHT = 100;
const REVOKE_RETRY_MS = 100;

export interface TrafficResult {
  readonly kind: string;
  readonly sent: number;
  readonly shed: number;
  readonly validChecked: number;
  readonly validFailed: number;
  readonly revokedChecked: number;
  /** Accepted after their revoke returned, outside any documented bound: must be 0. */
  readonly revokedAccepted: number;
  /** Accepted by a tiered peer within the L1 lifetime after the revoke returned (the bound). */
  readonly revokedAcceptedWithinBound: number;
  readonly latency: LatencySummary;
  readonly resolvesOverBound: number;
  readonly revokesReturned: number;
  readonly revokeAttemptsFailed: number;
  readonly revokesOverBound: number;
  readonly maxRevokeMs: number;
  /** ms from the fault's end to the first store write that succeeded; undefined if none failed. */
  readonly recoveryMs: number | undefined;
  readonly probeFailures: number;
  readonly loads: number;
  readonly firstValidFailure?: string;
  /** The hashes behind `revokedAccepted`, with how often each was accepted (resolver traffic). */
  readonly revokedAcceptedByHash?: ReadonlyMap<string, number>;
  /**
   * Set by a failover scenario: acceptances moved out of `revokedAccepted` because the failover
   * lost that key's tombstone (the documented failover bound).
   */
  readonly revokedAcceptedLostTombstone?: number;
}

export interface TrafficRun {
  readonly subject: Subject;
  /** Valid requests checked so far. */
  validCheckedSoFar(): number;
  /** Hashes whose revoke has returned so far. */
  revokedHashes(): string[];
  /** When each revoke returned so far (`performance.now()`), by hash. */
  revokeReturnTimes(): ReadonlyMap<string, number>;
  /** How many revoke attempts failed so far, by hash (those retried and those given up). */
  revokeAttemptFailures(): ReadonlyMap<string, number>;
  /** The fault ended now (Redis is back): recovery is timed from here. */
  markFaultEnd(): void;
  /** A probe write started after `markFaultEnd()` succeeded. */
  hasRecovered(): boolean;
  /** Stop sending, wait for what is in flight (bounded), and summarize. */
  stop(): Promise<TrafficResult>;
}

export interface TrafficOptions {
  readonly profile: Profile;
  readonly database: KeyDatabase;
  /** Share of requests for unknown random keys. @default 0.03 */
  readonly unknownShare?: number;
  /** Write probe for the recovery time. @default true */
  readonly probe?: boolean;
  /** The key the probe writes (a cluster scenario puts it on the slots it faults). @default "reliability-probe" */
  readonly probeKey?: string;
}

export function startTraffic(subject: Subject, options: TrafficOptions): TrafficRun {
  const { profile, database } = options;
  const unknownShare = options.unknownShare ?? 0.03;
  const boundMs = resolveBoundMs(database.loaderMs);
  const latencies: number[] = [];
  const revokedReturnedAt = new Map<string, number>();
  const revokeFailures = new Map<string, number>();
  const revokedList: KeyEntry[] = [];
  const acceptedByHash = new Map<string, number>();
  const probeKey = options.probeKey ?? "reliability-probe";
  const pending = new Set<Promise<void>>();
  const counts = {
    sent: 0,
    shed: 0,
    validChecked: 0,
    validFailed: 0,
    revokedChecked: 0,
    revokedAccepted: 0,
    revokedAcceptedWithinBound: 0,
    resolvesOverBound: 0,
    revokesReturned: 0,
    revokeAttemptsFailed: 0,
    revokesOverBound: 0,
    maxRevokeMs: 0,
    probeFailures: 0,
  };
  let firstValidFailure: string | undefined;
  let inFlight = 0;
  let stopped = false;
  let faultEndAt: number | undefined;
  let recoveredAt: number | undefined;
  const loadsBefore = database.loads;

  const track = (work: Promise<void>): void => {
    pending.add(work);
    work.finally(() => pending.delete(work));
  };

  const sendOne = (sequence: number): void => {
    if (inFlight >= profile.maxInFlight) {
      counts.shed++;
      return;
    }
    const instanceIndex = sequence % subject.instances.length;
    const instance = subject.instances[instanceIndex];
    if (instance === undefined) return;
    const roll = Math.random();
    let entry: KeyEntry | undefined;
    let plaintext: string;
    let kind: "valid" | "revoked" | "unknown";
    if (roll < unknownShare) {
      kind = "unknown";
      plaintext = `rk_unknown_${randomBytes(8).toString("hex")}`;
    } else if (roll < unknownShare + 0.12 && revokedList.length > 0) {
      kind = "revoked";
      entry = revokedList[Math.floor(Math.random() * revokedList.length)] as KeyEntry;
      plaintext = entry.plaintext;
    } else {
      kind = "valid";
      entry = database.randomActive();
      if (entry === undefined) return;
      plaintext = entry.plaintext;
    }
    counts.sent++;
    inFlight++;
    const startedAt = performance.now();
    const returnedAt = entry === undefined ? undefined : revokedReturnedAt.get(entry.hash);
    track(
      instance.resolver.resolve(plaintext).then(
        (result) => {
          inFlight--;
          const elapsed = performance.now() - startedAt;
          latencies.push(elapsed);
          if (elapsed > boundMs) counts.resolvesOverBound++;
          const active = result !== undefined && result.active === true;
          if (kind === "valid" && entry?.active === true) {
            counts.validChecked++;
            if (!active) {
              counts.validFailed++;
              firstValidFailure ??= `resolved to ${JSON.stringify(result)}`;
            }
          } else if (kind === "revoked" && returnedAt !== undefined && returnedAt < startedAt) {
            counts.revokedChecked++;
            if (active) {
              const peer = instanceIndex > 0 && subject.kind.startsWith("tiered");
              if (peer && startedAt - returnedAt <= LOCAL_TTL_SECONDS * 1000) {
                counts.revokedAcceptedWithinBound++;
              } else {
                counts.revokedAccepted++;
                const hash = (entry as KeyEntry).hash;
                acceptedByHash.set(hash, (acceptedByHash.get(hash) ?? 0) + 1);
              }
            }
          }
        },
        (error: unknown) => {
          inFlight--;
          latencies.push(performance.now() - startedAt);
          if (kind === "valid" && entry?.active === true) {
            counts.validChecked++;
            counts.validFailed++;
            firstValidFailure ??=
              error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          }
        },
      ),
    );
  };

  // The schedule: every tick sends what the rate owes since the start.
  const startedAt = performance.now();
  let sequence = 0;
  const ticker = setInterval(() => {
    const owed = Math.floor(((performance.now() - startedAt) * profile.requestsPerSecond) / 1000);
    while (sequence < owed) sendOne(sequence++);
  }, 5);

  const revokeOne = async (entry: KeyEntry): Promise<void> => {
    const revoker = subject.instances[0];
    if (revoker === undefined) return;
    // Bounded: retried until it returns, at most until shortly after the run stops.
    for (let attempt = 0; attempt < 200; attempt++) {
      const began = performance.now();
      try {
        await revoker.resolver.revoke(entry.hash);
        const took = performance.now() - began;
        if (took > REVOKE_BOUND_MS) counts.revokesOverBound++;
        if (took > counts.maxRevokeMs) counts.maxRevokeMs = took;
        revokedReturnedAt.set(entry.hash, performance.now());
        revokedList.push(entry);
        counts.revokesReturned++;
        return;
      } catch {
        const took = performance.now() - began;
        if (took > REVOKE_BOUND_MS) counts.revokesOverBound++;
        if (took > counts.maxRevokeMs) counts.maxRevokeMs = took;
        counts.revokeAttemptsFailed++;
        revokeFailures.set(entry.hash, (revokeFailures.get(entry.hash) ?? 0) + 1);
        if (stopped) return;
        await sleep(REVOKE_RETRY_MS);
      }
    }
  };
  const revoker = setInterval(() => {
    const entry = database.revokeRandom();
    if (entry !== undefined) track(revokeOne(entry));
  }, profile.revokeEveryMs);

  let probesInFlight = 0;
  const probeBackend = subject.instances[0]?.backend;
  const prober =
    options.probe === false || probeBackend === undefined
      ? undefined
      : setInterval(() => {
          if (probesInFlight >= PROBE_MAX_IN_FLIGHT) return;
          probesInFlight++;
          const began = performance.now();
          track(
            probeBackend.set(probeKey, { apiKey: "probe", active: true }, 30).then(
              () => {
                probesInFlight--;
                if (faultEndAt !== undefined && recoveredAt === undefined && began >= faultEndAt) {
                  recoveredAt = performance.now();
                }
              },
              () => {
                probesInFlight--;
                counts.probeFailures++;
              },
            ),
          );
        }, PROBE_EVERY_MS);

  return {
    subject,
    revokedHashes: () => [...revokedReturnedAt.keys()],
    revokeReturnTimes: () => revokedReturnedAt,
    revokeAttemptFailures: () => revokeFailures,
    validCheckedSoFar: () => counts.validChecked,
    markFaultEnd(): void {
      faultEndAt = performance.now();
    },
    hasRecovered: () => recoveredAt !== undefined,
    async stop(): Promise<TrafficResult> {
      clearInterval(ticker);
      clearInterval(revoker);
      // Keep probing until recovered (bounded), so a late recovery is measured, not missed.
      for (
        let i = 0;
        i < 200 && prober !== undefined && faultEndAt !== undefined && recoveredAt === undefined;
        i++
      ) {
        await sleep(PROBE_EVERY_MS);
      }
      if (prober !== undefined) clearInterval(prober);
      stopped = true;
      const deadline = performance.now() + 15_000;
      while (pending.size > 0 && performance.now() < deadline) {
        await Promise.race([Promise.allSettled([...pending]), sleep(250)]);
      }
      const recoveryMs =
        faultEndAt === undefined || counts.probeFailures === 0
          ? undefined
          : recoveredAt === undefined
            ? Number.POSITIVE_INFINITY
            : recoveredAt - faultEndAt;
      return {
        kind: subject.kind,
        ...counts,
        latency: summarizeLatencies(latencies),
        recoveryMs,
        loads: database.loads - loadsBefore,
        revokedAcceptedByHash: acceptedByHash,
        ...(firstValidFailure === undefined ? {} : { firstValidFailure }),
      };
    },
  };
}
