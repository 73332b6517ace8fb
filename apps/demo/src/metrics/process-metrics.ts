/**
 * The metrics of one process (a worker, or the in-process server), in a prom-client registry:
 * the HTTP layer's request counts and latency, and the resolver's counters read at scrape time.
 * No series carries the process here; `worker_pid` is added only in the per-worker view, so
 * that summing across workers (`metrics-aggregation.ts`) adds up like with like.
 */
import type { ApiKeyResolverStats } from "@apikey/core";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Upper bounds of the latency histogram, in seconds. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/** Circuit states, one gauge series each (1 for the current state). */
export const CIRCUIT_STATES: readonly string[] = ["closed", "open", "half-open"];

type CounterField = Exclude<keyof ApiKeyResolverStats, "circuit">;

const CACHE_COUNTERS: ReadonlyArray<[CounterField, string, string]> = [
  ["hits", "apikey_cache_hits_total", "Lookups answered by the cache."],
  ["misses", "apikey_cache_misses_total", "Lookups the cache could not answer."],
  ["negativeHits", "apikey_cache_negative_hits_total", "Unknown keys answered by the cache."],
  [
    "bypasses",
    "apikey_cache_bypasses_total",
    "Lookups that skipped the cache (error, timeout, open circuit).",
  ],
  ["loads", "apikey_cache_loads_total", "Loads from the database."],
  ["loadErrors", "apikey_cache_load_errors_total", "Loads that failed or timed out."],
  ["backendErrors", "apikey_cache_backend_errors_total", "Cache calls that failed."],
  ["timeouts", "apikey_cache_timeouts_total", "Cache calls that missed their deadline."],
];

/** What the cache metrics describe. */
export interface CacheMetricsSource {
  /** The resolver's counters now. */
  stats(): Pick<ApiKeyResolverStats, CounterField | "circuit">;
  /** The backend that runs (`memory`, `redis`, `tiered`). */
  backend: string;
  /** The Redis client package, or `none`. */
  client: string;
}

/** One process's metrics. */
export interface ProcessMetrics {
  readonly registry: Registry;
  /** Record one finished request; `route` is the route pattern, never the raw URL. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void;
}

/** Create the registry and its metrics for this process. */
export function createProcessMetrics(cache: CacheMetricsSource): ProcessMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests handled.",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from request start to response end.",
    labelNames: ["method", "route"] as const,
    buckets: [...LATENCY_BUCKETS_SECONDS],
    registers: [registry],
  });

  const info = new Gauge({
    name: "apikey_cache_info",
    help: "The cache backend in use: 1 per process (summed: the number of workers running it).",
    labelNames: ["backend", "client"] as const,
    registers: [registry],
  });
  info.set({ backend: cache.backend, client: cache.client }, 1);

  for (const [field, name, help] of CACHE_COUNTERS) {
    new Counter({
      name,
      help,
      registers: [registry],
      // Read at scrape time: the resolver keeps the running totals.
      collect() {
        this.reset();
        this.inc(Number(cache.stats()[field]) || 0);
      },
    });
  }
  new Gauge({
    name: "apikey_cache_circuit_state",
    help: "Circuit breaker in front of the cache: 1 for the current state (summed: workers in it).",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const current = cache.stats().circuit;
      for (const state of CIRCUIT_STATES) this.set({ state }, state === current ? 1 : 0);
      if (!CIRCUIT_STATES.includes(current)) this.set({ state: current }, 1);
    },
  });

  return {
    registry,
    observeRequest: (method, route, statusCode, seconds) => {
      requests.inc({ method, route, status: String(statusCode) });
      latency.observe({ method, route }, seconds);
    },
  };
}
