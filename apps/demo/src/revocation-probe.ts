/**
 * Measures how a revocation reaches the workers: requests go out one at a time, each on a new
 * connection (so the cluster hands them to the workers in turn), and every reply says which
 * worker answered. Every loop here is bounded by a request count and a time cap.
 */
import { sendRequest } from "./http-client.js";

/** One whoami call with `key`: the status and the worker that answered. */
export async function whoami(
  url: string,
  key: string,
): Promise<{ status: number; pid: number | undefined }> {
  const response = await sendRequest(`${url}/v1/whoami`, { headers: { "x-api-key": key } });
  return { status: response.status, pid: response.workerPid };
}

/**
 * Call whoami until every worker in `pids` has accepted `key` once (its cache now holds it).
 * @returns the workers that accepted it (all of `pids` unless `maxRequests` ran out)
 */
export async function warmEveryWorker(
  url: string,
  key: string,
  pids: readonly number[],
  maxRequests = 50 * pids.length,
): Promise<Set<number>> {
  const warmed = new Set<number>();
  for (let i = 0; i < maxRequests && warmed.size < pids.length; i += 1) {
    const { status, pid } = await whoami(url, key);
    if (status === 200 && pid !== undefined) warmed.add(pid);
  }
  return warmed;
}

/** What {@link watchRevocation} saw. */
export interface RevocationObservation {
  /** Requests sent. */
  requests: number;
  /** Requests that were still accepted (200) after the revocation returned. */
  accepted: number;
  /** Accepted requests per worker pid. */
  acceptedByWorker: Map<number, number>;
  /** Each worker's reply to its first request after the revocation. */
  firstReplyByWorker: Map<number, number>;
  /**
   * Milliseconds from the start of watching until every worker's latest reply was a rejection,
   * or `undefined` if that did not happen within the cap.
   */
  convergedMs: number | undefined;
}

/**
 * Right after a revocation returned: send whoami with the revoked `key` until every worker in
 * `pids` rejects it (its latest reply is 401), or `capMs` passes.
 */
export async function watchRevocation(
  url: string,
  key: string,
  pids: readonly number[],
  capMs: number,
): Promise<RevocationObservation> {
  const started = performance.now();
  const latest = new Map<number, number>();
  const observation: RevocationObservation = {
    requests: 0,
    accepted: 0,
    acceptedByWorker: new Map(),
    firstReplyByWorker: new Map(),
    convergedMs: undefined,
  };
  // The request cap is a second bound in case replies come back faster than imagined.
  while (performance.now() - started < capMs && observation.requests < 100_000) {
    const { status, pid } = await whoami(url, key);
    observation.requests += 1;
    if (pid === undefined) continue;
    if (!observation.firstReplyByWorker.has(pid)) observation.firstReplyByWorker.set(pid, status);
    latest.set(pid, status);
    if (status === 200) {
      observation.accepted += 1;
      observation.acceptedByWorker.set(pid, (observation.acceptedByWorker.get(pid) ?? 0) + 1);
    }
    if (pids.every((worker) => latest.get(worker) === 401)) {
      observation.convergedMs = performance.now() - started;
      break;
    }
  }
  return observation;
}
