/**
 * Does a revocation still reach every instance after a failover? On a tiered subject: B reads
 * a valid key until its L1 holds it (`peek` answers only from L1, and only while L1 is on),
 * A revokes it, and B's L1 copy must go within `BUS_DROP_BOUND_MS` of the revoke returning,
 * well inside the L1 lifetime (so the bus dropped it, not the expiry), with L1 still on; B
 * then resolves the key as revoked. Every wait is bounded.
 */
import { TieredApiKeyCacheBackend } from "@apikey/core";
import type { KeyDatabase } from "./key-database.js";
import { sleep } from "./sleep.js";
import { LOCAL_TTL_SECONDS, type Subject } from "./subjects.js";

/** Longest a revoke on A may take to drop B's L1 copy (half the L1 lifetime). */
export const BUS_DROP_BOUND_MS = (LOCAL_TTL_SECONDS * 1000) / 2;
const L1_BACK_CAP_MS = 15_000;
const FILL_ATTEMPTS = 20;
const POLL_MS = 5;
const REVOKE_ATTEMPTS = 20;
/**
 * A key B's L1 did not take within its fill attempts (a tiered L1 skips a fill while, say, a
 * bus message or a publish of its own is pending): nothing to probe the bus with, so another
 * key is tried; B answered it from L2, which holds the truth. A key the traffic revoked while
 * it was being filled is skipped the same way.
 */
const NOT_FILLED: unique symbol = Symbol("not filled");

export interface BusDeliveryResult {
  readonly kind: string;
  /** ms from `since` until L1 was on in every instance (polled from the call on). */
  readonly l1OnAfterMs: number | undefined;
  readonly attempted: number;
  /** Revokes whose bus message dropped B's L1 copy within the bound. */
  readonly delivered: number;
  readonly maxDropMs: number;
  /** Keys skipped because B's L1 did not take them (see NOT_FILLED). */
  readonly notFilled: number;
  readonly failures: readonly string[];
}

function tieredOf(subject: Subject): TieredApiKeyCacheBackend[] {
  return subject.instances.flatMap((instance) =>
    instance.backend instanceof TieredApiKeyCacheBackend ? [instance.backend] : [],
  );
}

async function untilTrue(condition: () => boolean, capMs: number): Promise<boolean> {
  const endAt = performance.now() + capMs;
  for (;;) {
    if (condition()) return true;
    if (performance.now() >= endAt) return false;
    await sleep(POLL_MS * 4);
  }
}

interface ProbeOutcome {
  /** From the revoke returning on A to B's L1 copy gone, in ms. */
  readonly dropMs: number;
  /** A's failed publishes during the revoke (its bus message was then never sent). */
  readonly publishFailures: number;
  /** Longest wait between two looks at B's L1: above a few ms, this process stalled. */
  readonly longestGapMs: number;
}

/** One probe: its outcome, a failure text, or undefined when the traffic took the key. */
async function probeOnce(
  subject: Subject,
  database: KeyDatabase,
): Promise<ProbeOutcome | string | typeof NOT_FILLED | undefined> {
  const [a, b] = subject.instances;
  const revokerBackend = a?.backend;
  const peerBackend = b?.backend;
  if (
    a === undefined ||
    b === undefined ||
    !(revokerBackend instanceof TieredApiKeyCacheBackend) ||
    !(peerBackend instanceof TieredApiKeyCacheBackend)
  ) {
    return "not a tiered pair";
  }
  const entry = database.randomActive();
  if (entry === undefined) return "no active key left";
  let held = false;
  for (let attempt = 0; attempt < FILL_ATTEMPTS && !held; attempt++) {
    const answer = await b.resolver.resolve(entry.plaintext);
    if (answer?.active !== true) {
      // The traffic's own revoker may take the same key meanwhile: then B is right, and the
      // key is no use for the probe.
      if (!entry.active) return NOT_FILLED;
      return `B resolved a valid key to ${JSON.stringify(answer)}`;
    }
    held = peerBackend.peek?.(entry.hash)?.active === true;
    if (!held) await sleep(POLL_MS * 4);
  }
  if (!held) return peerBackend.l1Enabled ? NOT_FILLED : "B's L1 went off while it was filled";
  if (!database.revokeEntry(entry)) return undefined;
  const publishFailuresBefore = revokerBackend.publishFailures;
  let returnedAt: number | undefined;
  for (let attempt = 0; attempt < REVOKE_ATTEMPTS && returnedAt === undefined; attempt++) {
    try {
      await a.resolver.revoke(entry.hash);
      returnedAt = performance.now();
    } catch {
      await sleep(100);
    }
  }
  if (returnedAt === undefined) return `revoke on A never returned (${REVOKE_ATTEMPTS} attempts)`;
  const peerPublishFailuresBefore = peerBackend.publishFailures;
  const endAt = returnedAt + LOCAL_TTL_SECONDS * 1000 + 500;
  let lookedAt = returnedAt;
  let longestGapMs = 0;
  while (peerBackend.peek?.(entry.hash)?.active === true && performance.now() < endAt) {
    await sleep(POLL_MS);
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - lookedAt);
    lookedAt = now;
  }
  const dropMs = performance.now() - returnedAt;
  if (!peerBackend.l1Enabled) {
    const peerPublishFailures = peerBackend.publishFailures - peerPublishFailuresBefore;
    return peerPublishFailures > 0
      ? `B's L1 went off ${dropMs.toFixed(0)} ms after the revoke: ${peerPublishFailures} of B's own publishes failed meanwhile`
      : `B's L1 went off (bus disconnected) ${dropMs.toFixed(0)} ms after the revoke`;
  }
  const after = await b.resolver.resolve(entry.plaintext);
  if (after?.active === true)
    return `B still accepts the key ${dropMs.toFixed(0)} ms after the revoke`;
  return {
    dropMs,
    publishFailures: revokerBackend.publishFailures - publishFailuresBefore,
    longestGapMs,
  };
}

/** `count` probes in a row on one tiered subject, once L1 is on in both instances. */
export async function probeBusDelivery(
  subject: Subject,
  database: KeyDatabase,
  since: number,
  count: number,
): Promise<BusDeliveryResult> {
  const tiered = tieredOf(subject);
  const on = await untilTrue(() => tiered.every((backend) => backend.l1Enabled), L1_BACK_CAP_MS);
  const l1OnAfterMs = on ? performance.now() - since : undefined;
  const failures: string[] = [];
  let delivered = 0;
  let maxDropMs = 0;
  if (!on) failures.push(`L1 not on in both instances within ${L1_BACK_CAP_MS} ms`);
  let attempted = 0;
  let notFilled = 0;
  // A key the traffic revoked meanwhile, or one B's L1 did not take, is skipped; bounded at
  // three tries per probe.
  for (let i = 0; on && attempted < count && i < count * 3; i++) {
    const outcome = await probeOnce(subject, database);
    if (outcome === undefined) continue;
    if (outcome === NOT_FILLED) {
      notFilled++;
      continue;
    }
    attempted++;
    if (typeof outcome === "string") {
      failures.push(outcome);
      continue;
    }
    maxDropMs = Math.max(maxDropMs, outcome.dropMs);
    if (outcome.dropMs <= BUS_DROP_BOUND_MS) delivered++;
    else {
      failures.push(
        `probe ${attempted}: B's copy went only after ${outcome.dropMs.toFixed(0)} ms (A's failed publishes meanwhile: ${outcome.publishFailures}; longest gap between two looks: ${outcome.longestGapMs.toFixed(0)} ms)`,
      );
    }
  }
  return {
    kind: subject.kind,
    l1OnAfterMs,
    attempted,
    delivered,
    maxDropMs,
    notFilled,
    failures,
  };
}
