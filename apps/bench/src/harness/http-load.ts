/**
 * One closed-loop HTTP load run with autocannon. The rate is completed requests over the run's
 * measured length: autocannon notices its stop time only at its next sample tick, so sampling
 * often keeps short runs from overrunning, and `requests.average` (a mean of per-tick counts)
 * would misreport a run that does not end on a tick.
 */
import autocannon from "autocannon";

/** Sample tick of autocannon, in ms: a run ends at most this late. */
const SAMPLE_INTERVAL_MS = 100;

/** Options of {@link runHttpLoad}. */
export interface HttpLoadOptions {
  url: string;
  headers: Record<string, string>;
  /** Requests kept in flight (one per keep-alive connection). */
  connections: number;
  durationMs: number;
}

/** The figures of one run. */
export interface HttpLoadResult {
  completed: number;
  elapsedMs: number;
  requestsPerSecond: number;
  p99Ms: number;
  /** Replies with a status other than 2xx, plus connection errors (timeouts included). */
  failures: number;
}

/** Drive `url` with `connections` concurrent keep-alive requests for `durationMs`. */
export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationMs / 1000,
    sampleInt: SAMPLE_INTERVAL_MS,
    headers: options.headers,
  });
  const completed = result.requests.total;
  const elapsedMs = result.duration * 1000;
  return {
    completed,
    elapsedMs,
    requestsPerSecond: elapsedMs > 0 ? (completed * 1000) / elapsedMs : 0,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors,
  };
}
