/**
 * Open-loop HTTP traffic against a running demo (several worker processes behind one port):
 * `GET /v1/whoami` with valid keys (must be 200) and with keys whose `DELETE /admin/keys/:id`
 * has returned 200 (must be 401), revocations through the admin API throughout (a DELETE the
 * cache did not confirm is retried, as the demo asks), and `/healthz` polled on a new connection
 * each time, at a jittered interval and after the fault once per worker per round (so the
 * cluster hands the polls to every worker) for the recovery time: the moment every worker has
 * answered `cache.reachable: true` to a poll sent after Redis returned.
 * Every reply names its worker (`x-worker-pid`): on a tiered demo, a worker other than the one
 * that revoked may serve the key from its L1 within the L1 lifetime (the documented bound).
 */
import { sendRequest } from "@apikey/demo";
import { summarizeLatencies } from "./latency-stats.js";
import type { Profile } from "./profile.js";
import { sleep } from "./sleep.js";
import type { TrafficResult } from "./traffic.js";

const REQUEST_TIMEOUT_MS = 10_000;
/** Key creations in flight at once (SQLite writes one at a time; HTTP overlaps). */
const CREATE_LANES = 4;

export interface DemoKey {
  readonly id: string;
  readonly key: string;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
  /** The worker that answered (`x-worker-pid`). */
  readonly workerPid: number | undefined;
}

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const pid = response.headers.get("x-worker-pid");
  return { status: response.status, body, workerPid: pid === null ? undefined : Number(pid) };
}

/** Create `count` keys through the admin API, a few requests at a time. */
export async function createDemoKeys(
  url: string,
  adminKey: string,
  count: number,
): Promise<DemoKey[]> {
  const keys: DemoKey[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const reply = await call(`${url}/admin/keys`, {
        method: "POST",
        headers: { "x-api-key": adminKey, "content-type": "application/json" },
        body: JSON.stringify({ name: `reliability-${i}` }),
      });
      if (reply.status !== 201) throw new Error(`creating a demo key failed: ${reply.status}`);
      const body = reply.body as { id: string; key: string };
      keys.push({ id: body.id, key: body.key });
    }
  };
  await Promise.all(Array.from({ length: CREATE_LANES }, lane));
  return keys;
}

export interface HttpTrafficRun {
  markFaultEnd(): void;
  stop(): Promise<TrafficResult>;
}

export interface HttpTrafficOptions {
  /** The row's name in the report. */
  readonly kind: string;
  readonly url: string;
  readonly adminKey: string;
  readonly keys: readonly DemoKey[];
  readonly profile: Profile;
  /** Longest a request may take. */
  readonly boundMs: number;
  /** The demo's workers: recovery is over once each has answered a reachable cache. */
  readonly workerPids: readonly number[];
  /**
   * Tiered: the L1 lifetime, in ms. A revoked key accepted within it by a worker other than the
   * one whose DELETE returned is the documented bound (its own column); anything else counts.
   */
  readonly l1BoundMs?: number;
}

export function startHttpTraffic(options: HttpTrafficOptions): HttpTrafficRun {
  const { kind, url, adminKey, keys, profile, boundMs } = options;
  const active = [...keys];
  const revoked: Array<DemoKey & { returnedAt: number; revokedBy: number | undefined }> = [];
  const latencies: number[] = [];
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
  const track = (work: Promise<void>): void => {
    pending.add(work);
    work.finally(() => pending.delete(work));
  };

  const sendOne = (): void => {
    if (inFlight >= profile.maxInFlight) {
      counts.shed++;
      return;
    }
    const revokedTarget =
      revoked.length > 0 && Math.random() < 0.15
        ? revoked[Math.floor(Math.random() * revoked.length)]
        : undefined;
    const target = revokedTarget ?? active[Math.floor(Math.random() * active.length)];
    if (target === undefined) return;
    const startedAt = performance.now();
    const returnedAt = revokedTarget?.returnedAt;
    counts.sent++;
    inFlight++;
    track(
      call(`${url}/v1/whoami`, { headers: { authorization: `Bearer ${target.key}` } }).then(
        (reply) => {
          inFlight--;
          const elapsed = performance.now() - startedAt;
          latencies.push(elapsed);
          if (elapsed > boundMs) counts.resolvesOverBound++;
          if (returnedAt !== undefined) {
            counts.revokedChecked++;
            if (reply.status === 200) {
              const revokedBy = revokedTarget?.revokedBy;
              const peer =
                reply.workerPid !== undefined &&
                revokedBy !== undefined &&
                reply.workerPid !== revokedBy;
              if (
                options.l1BoundMs !== undefined &&
                peer &&
                startedAt - returnedAt <= options.l1BoundMs
              ) {
                counts.revokedAcceptedWithinBound++;
              } else {
                counts.revokedAccepted++;
              }
            }
          } else if (active.includes(target)) {
            counts.validChecked++;
            if (reply.status !== 200) {
              counts.validFailed++;
              firstValidFailure ??= `HTTP ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`;
            }
          }
        },
        (error: unknown) => {
          inFlight--;
          latencies.push(performance.now() - startedAt);
          if (returnedAt === undefined && active.includes(target)) {
            counts.validChecked++;
            counts.validFailed++;
            firstValidFailure ??= String(error);
          }
        },
      ),
    );
  };

  const startedAt = performance.now();
  let sequence = 0;
  const ticker = setInterval(() => {
    const owed = Math.floor(((performance.now() - startedAt) * profile.requestsPerSecond) / 1000);
    while (sequence < owed) {
      sequence++;
      sendOne();
    }
  }, 5);

  const revokeOne = async (key: DemoKey): Promise<void> => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const began = performance.now();
      const reply = await call(`${url}/admin/keys/${key.id}`, {
        method: "DELETE",
        headers: { "x-api-key": adminKey },
      }).catch(() => undefined);
      const took = performance.now() - began;
      if (took > counts.maxRevokeMs) counts.maxRevokeMs = took;
      if (took > boundMs + 1_000) counts.revokesOverBound++;
      if (reply?.status === 200) {
        revoked.push({ ...key, returnedAt: performance.now(), revokedBy: reply.workerPid });
        counts.revokesReturned++;
        return;
      }
      counts.revokeAttemptsFailed++;
      if (stopped) return;
      await sleep(100);
    }
  };
  // Keep most keys valid: revoke at a third of the in-process rate, never the last ten.
  const revoker = setInterval(() => {
    if (active.length <= 10) return;
    const index = Math.floor(Math.random() * active.length);
    const [key] = active.splice(index, 1);
    if (key !== undefined) track(revokeOne(key));
  }, profile.revokeEveryMs * 3);

  // Which workers answered "reachable" to a poll sent after the fault ended.
  const recoveredWorkers = new Set<number>();
  let probing = false;
  let probeTimer: NodeJS.Timeout | undefined;
  /** One poll: a reachable reply after the fault marks its worker, an unreachable one unmarks it. */
  const probeOnce = (): Promise<void> => {
    const began = performance.now();
    return sendRequest(`${url}/healthz`, { timeoutMs: REQUEST_TIMEOUT_MS }).then(
      (reply) => {
        const reachable = (reply.json as { cache?: { reachable?: boolean } } | undefined)?.cache
          ?.reachable;
        if (reachable !== true) {
          counts.probeFailures++;
          if (reply.workerPid !== undefined) recoveredWorkers.delete(reply.workerPid);
          return;
        }
        if (faultEndAt === undefined || recoveredAt !== undefined || began < faultEndAt) return;
        if (reply.workerPid === undefined) return;
        recoveredWorkers.add(reply.workerPid);
        if (options.workerPids.every((pid) => recoveredWorkers.has(pid))) {
          recoveredAt = performance.now();
        }
      },
      () => {
        counts.probeFailures++;
      },
    );
  };
  // The cluster deals new connections out in turn, and the traffic opens them at a steady
  // rate: a poll at a fixed interval can land on the same worker every time (one poll and
  // three requests per 50 ms is one turn of four workers). So the interval is jittered, and
  // after the fault every round polls once per worker, side by side.
  const scheduleProbe = (): void => {
    probeTimer = setTimeout(
      () => {
        if (stopped) return;
        if (!probing) {
          probing = true;
          const polls = faultEndAt === undefined ? 1 : options.workerPids.length;
          track(
            Promise.all(Array.from({ length: polls }, probeOnce)).then(() => {
              probing = false;
            }),
          );
        }
        scheduleProbe();
      },
      25 + Math.random() * 50,
    );
  };
  scheduleProbe();

  return {
    markFaultEnd(): void {
      faultEndAt = performance.now();
    },
    async stop(): Promise<TrafficResult> {
      clearInterval(ticker);
      clearInterval(revoker);
      for (let i = 0; i < 200 && faultEndAt !== undefined && recoveredAt === undefined; i++) {
        await sleep(25);
      }
      clearTimeout(probeTimer);
      stopped = true;
      const deadline = performance.now() + 15_000;
      while (pending.size > 0 && performance.now() < deadline) {
        await Promise.race([Promise.allSettled([...pending]), sleep(250)]);
      }
      return {
        kind,
        ...counts,
        latency: summarizeLatencies(latencies),
        recoveryMs:
          faultEndAt === undefined || counts.probeFailures === 0
            ? undefined
            : recoveredAt === undefined
              ? Number.POSITIVE_INFINITY
              : recoveredAt - faultEndAt,
        loads: 0,
        ...(firstValidFailure === undefined ? {} : { firstValidFailure }),
      };
    },
  };
}
