/**
 * Open-loop HTTP traffic against a running demo (several worker processes behind one port):
 * `GET /v1/whoami` with valid keys (must be 200) and with keys whose `DELETE /admin/keys/:id`
 * has returned 200 (must be 401), revocations through the admin API throughout (a DELETE the
 * cache did not confirm is retried, as the demo asks), and `/healthz` polled for the recovery
 * time (the first `cache.reachable: true` after Redis returned).
 */
import { summarizeLatencies } from "./latency-stats.js";
import type { Profile } from "./profile.js";
import { sleep } from "./sleep.js";
import type { TrafficResult } from "./traffic.js";

const REQUEST_TIMEOUT_MS = 10_000;

export interface DemoKey {
  readonly id: string;
  readonly key: string;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
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
  return { status: response.status, body };
}

/** Create `count` keys through the admin API. */
export async function createDemoKeys(
  url: string,
  adminKey: string,
  count: number,
): Promise<DemoKey[]> {
  const keys: DemoKey[] = [];
  for (let i = 0; i < count; i++) {
    const reply = await call(`${url}/admin/keys`, {
      method: "POST",
      headers: { "x-api-key": adminKey, "content-type": "application/json" },
      body: JSON.stringify({ name: `reliability-${i}` }),
    });
    if (reply.status !== 201) throw new Error(`creating a demo key failed: ${reply.status}`);
    const body = reply.body as { id: string; key: string };
    keys.push({ id: body.id, key: body.key });
  }
  return keys;
}

export interface HttpTrafficRun {
  markFaultEnd(): void;
  stop(): Promise<TrafficResult>;
}

export function startHttpTraffic(
  kind: string,
  url: string,
  adminKey: string,
  keys: DemoKey[],
  profile: Profile,
  boundMs: number,
): HttpTrafficRun {
  const active = [...keys];
  const revoked: Array<DemoKey & { returnedAt: number }> = [];
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  const counts = {
    sent: 0,
    shed: 0,
    validChecked: 0,
    validFailed: 0,
    revokedChecked: 0,
    revokedAccepted: 0,
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
            if (reply.status === 200) counts.revokedAccepted++;
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
        revoked.push({ ...key, returnedAt: performance.now() });
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

  let probing = false;
  const prober = setInterval(() => {
    if (probing) return;
    probing = true;
    const began = performance.now();
    track(
      call(`${url}/healthz`).then(
        (reply) => {
          probing = false;
          const reachable = (reply.body as { cache?: { reachable?: boolean } }).cache?.reachable;
          if (reachable !== true) counts.probeFailures++;
          else if (faultEndAt !== undefined && recoveredAt === undefined && began >= faultEndAt) {
            recoveredAt = performance.now();
          }
        },
        () => {
          probing = false;
          counts.probeFailures++;
        },
      ),
    );
  }, 50);

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
      clearInterval(prober);
      stopped = true;
      const deadline = performance.now() + 15_000;
      while (pending.size > 0 && performance.now() < deadline) {
        await Promise.race([Promise.allSettled([...pending]), sleep(250)]);
      }
      return {
        kind,
        ...counts,
        revokedAcceptedWithinBound: 0,
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
