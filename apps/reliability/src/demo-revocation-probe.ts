/**
 * Does a revocation through one worker of a tiered demo reach every worker's L1? Once every
 * worker says (`/healthz`, `cache.l1Enabled`) that it reads its L1, a spare key is read by every
 * worker (each then holds it in L1), revoked with one DELETE (the worker that answered is the
 * revoker), and asked for on new connections (the cluster hands them to the workers in turn)
 * until every worker refuses it. Only the bus can make a worker that holds the key refuse it
 * sooner than the L1 lifetime; the bound is half of it, as in-process. Requests are timed by
 * when they were sent, not answered: on a loaded machine one round trip can take longer than
 * the bus, and a refusal proves the key was gone when the request arrived. Every loop is
 * bounded.
 * Over HTTP a worker's L1 is seen only through `/healthz`: one that turned L1 off between that
 * look and the revoke answers from Redis, which refuses too.
 */
import { sendRequest, warmEveryWorker, whoami } from "@apikey/demo";
import { BUS_DROP_BOUND_MS } from "./bus-delivery-probe.js";
import type { RunningDemo } from "./demo-fault-run.js";
import type { DemoKey } from "./http-traffic.js";
import type { Check } from "./scenario.js";
import { sleep } from "./sleep.js";
import { LOCAL_TTL_SECONDS } from "./subjects.js";

/** Longest wait for every worker's L1 to be on again (its subscription confirmed). */
const L1_ON_CAP_MS = 15_000;
const REVOKE_ATTEMPTS = 20;
const REQUEST_TIMEOUT_MS = 5_000;
/** Longest watch after the DELETE returned: the L1 lifetime plus slack for a loaded machine. */
const WATCH_CAP_MS = LOCAL_TTL_SECONDS * 1000 + 3_000;
const WATCH_MAX_REQUESTS = 2_000;

export interface DemoRevocationOutcome {
  readonly label: string;
  /** ms from the call until every worker had said L1 on; undefined if not within the cap. */
  readonly l1OnAfterMs: number | undefined;
  /**
   * ms from the DELETE returning until the send of the latest request any worker accepted (0
   * when none did); undefined when some worker never refused within the watch.
   */
  readonly convergedMs: number | undefined;
  /** 200s to requests sent after the DELETE returned, by any worker (the bus latency). */
  readonly accepted: number;
  /** 200s after the DELETE returned by the worker that answered it: must be 0. */
  readonly acceptedByRevoker: number;
  readonly failure?: string;
}

/** One throwaway request: moves this client one step on the cluster's round robin. */
async function shiftRoundRobin(demo: RunningDemo): Promise<void> {
  await sendRequest(`${demo.url}/healthz`, { timeoutMs: REQUEST_TIMEOUT_MS }).catch(
    () => undefined,
  );
}

/** Poll `/healthz` on new connections until every worker has said L1 on (bounded). */
async function untilEveryWorkerL1On(demo: RunningDemo): Promise<boolean> {
  const on = new Set<number>();
  const endAt = performance.now() + L1_ON_CAP_MS;
  while (performance.now() < endAt) {
    const reply = await sendRequest(`${demo.url}/healthz`, {
      timeoutMs: REQUEST_TIMEOUT_MS,
    }).catch(() => undefined);
    const pid = reply?.workerPid;
    if (reply !== undefined && pid !== undefined) {
      const l1 = (reply.json as { cache?: { l1Enabled?: unknown } } | undefined)?.cache?.l1Enabled;
      const known = on.has(pid);
      if (l1 === true) on.add(pid);
      else on.delete(pid);
      if (known && l1 === true) await shiftRoundRobin(demo);
    }
    if (demo.workerPids.every((worker) => on.has(worker))) return true;
    await sleep(10);
  }
  return false;
}

/** One probe with `key` (a spare key: the traffic neither sends nor revokes it). */
export async function probeDemoRevocation(
  demo: RunningDemo,
  key: DemoKey,
): Promise<DemoRevocationOutcome> {
  const base = { label: demo.label, convergedMs: undefined, accepted: 0, acceptedByRevoker: 0 };
  const since = performance.now();
  if (!(await untilEveryWorkerL1On(demo))) {
    return {
      ...base,
      l1OnAfterMs: undefined,
      failure: `L1 not on in every worker within ${L1_ON_CAP_MS} ms`,
    };
  }
  const l1OnAfterMs = performance.now() - since;
  const warmed = await warmEveryWorker(demo.url, key.key, demo.workerPids);
  if (warmed.size < demo.workerPids.length) {
    return {
      ...base,
      l1OnAfterMs,
      failure: `only ${warmed.size} of ${demo.workerPids.length} workers accepted the key before the revoke`,
    };
  }
  let revokedBy: number | undefined;
  for (let attempt = 0; attempt < REVOKE_ATTEMPTS && revokedBy === undefined; attempt++) {
    const reply = await sendRequest(`${demo.url}/admin/keys/${key.id}`, {
      method: "DELETE",
      headers: { "x-api-key": demo.adminKey },
      timeoutMs: REQUEST_TIMEOUT_MS,
    }).catch(() => undefined);
    if (reply?.status === 200) revokedBy = reply.workerPid ?? -1;
    else await sleep(100);
  }
  if (revokedBy === undefined) {
    return {
      ...base,
      l1OnAfterMs,
      failure: `DELETE never returned 200 (${REVOKE_ATTEMPTS} tries)`,
    };
  }
  // Until every worker has refused the key once and accepted nothing since.
  const returnedAt = performance.now();
  const refused = new Set<number>();
  let accepted = 0;
  let acceptedByRevoker = 0;
  let lastAcceptedSentMs = 0;
  for (let i = 0; i < WATCH_MAX_REQUESTS; i++) {
    const sentMs = performance.now() - returnedAt;
    if (sentMs > WATCH_CAP_MS) break;
    const reply = await whoami(demo.url, key.key).catch(() => undefined);
    if (reply?.pid === undefined) continue;
    if (reply.status === 200) {
      accepted++;
      if (reply.pid === revokedBy) acceptedByRevoker++;
      lastAcceptedSentMs = sentMs;
      refused.delete(reply.pid);
    } else if (reply.status === 401) {
      if (refused.has(reply.pid)) await shiftRoundRobin(demo);
      refused.add(reply.pid);
    }
    if (demo.workerPids.every((pid) => refused.has(pid))) break;
  }
  const outcome = {
    label: demo.label,
    l1OnAfterMs,
    convergedMs: demo.workerPids.every((pid) => refused.has(pid)) ? lastAcceptedSentMs : undefined,
    accepted,
    acceptedByRevoker,
  };
  if (outcome.convergedMs === undefined) {
    return { ...outcome, failure: `some worker did not refuse the key within ${WATCH_CAP_MS} ms` };
  }
  return outcome;
}

/** The check over a scenario's probes of one demo. */
export function demoRevocationCheck(
  label: string,
  outcomes: readonly DemoRevocationOutcome[],
): Check {
  const bad = outcomes.filter(
    (outcome) =>
      outcome.failure !== undefined ||
      outcome.acceptedByRevoker > 0 ||
      outcome.convergedMs === undefined ||
      outcome.convergedMs > BUS_DROP_BOUND_MS,
  );
  const converged = outcomes.flatMap((outcome) =>
    outcome.convergedMs === undefined ? [] : [outcome.convergedMs],
  );
  const l1On = outcomes.flatMap((outcome) =>
    outcome.l1OnAfterMs === undefined ? [] : [outcome.l1OnAfterMs],
  );
  return {
    label: `${label}: a revoke through one worker refused by every worker within ${BUS_DROP_BOUND_MS} ms (no 200 to a request sent later; half the L1 lifetime: the bus, not the expiry), never again by the revoker`,
    passed: outcomes.length > 0 && bad.length === 0,
    detail: `${outcomes.length - bad.length} of ${outcomes.length} probes; latest accepted request sent ${Math.max(0, ...converged).toFixed(0)} ms at most after the DELETE returned; 200s after the DELETE returned: ${outcomes.reduce((sum, outcome) => sum + outcome.accepted, 0)} (by the revoker: ${outcomes.reduce((sum, outcome) => sum + outcome.acceptedByRevoker, 0)}); L1 on in every worker ${Math.max(0, ...l1On).toFixed(0)} ms at most after the probe began${bad.length === 0 ? "" : `; first failure: ${bad[0]?.failure ?? `converged after ${bad[0]?.convergedMs?.toFixed(0)} ms, revoker accepted ${bad[0]?.acceptedByRevoker}`}`}`,
  };
}

/** One line per probe: when L1 was on again, when every worker refused, the 200s meanwhile. */
export function describeDemoRevocations(outcomes: readonly DemoRevocationOutcome[]): string {
  const ms = (value: number | undefined): string =>
    value === undefined ? "never" : `${value.toFixed(0)} ms`;
  const each = outcomes.map(
    (outcome, index) =>
      `#${index + 1}: L1 on in every worker after ${ms(outcome.l1OnAfterMs)}, latest accepted request sent ${ms(outcome.convergedMs)} after the DELETE returned, 200s meanwhile ${outcome.accepted} (revoker ${outcome.acceptedByRevoker})${outcome.failure === undefined ? "" : `, ${outcome.failure}`}`,
  );
  return `${outcomes[0]?.label ?? "tiered demo"}: revoke probes ${each.join("; ")}`;
}
