/**
 * The resolver's counters in Prometheus text format. The counters are per process: with the
 * memory backend every worker has its own cache, and `/metrics` shows the worker that answered
 * (its pid is the `worker_pid` label).
 */
import { labels } from "./http-metrics.js";

/** The subset of `resolver.stats()` rendered here. */
export interface ResolverStatsSnapshot {
  hits: number;
  misses: number;
  negativeHits: number;
  bypasses?: number;
  loads: number;
  loadErrors: number;
  backendErrors: number;
  timeouts: number;
  circuit: string;
}

const COUNTERS: ReadonlyArray<[keyof ResolverStatsSnapshot, string, string]> = [
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

/** Circuit states, one gauge series each (1 for the current state). */
export const CIRCUIT_STATES: readonly string[] = ["closed", "open", "half-open"];

/** Render the resolver's stats for the process `pid` using the backend `backend`. */
export function renderCacheMetrics(
  stats: ResolverStatsSnapshot,
  info: { backend: string; redisClient: string; pid: number },
): string {
  const base = { worker_pid: String(info.pid) };
  const lines: string[] = [
    "# HELP apikey_cache_info The cache backend this worker runs.",
    "# TYPE apikey_cache_info gauge",
    `apikey_cache_info${labels({ ...base, backend: info.backend, client: info.redisClient })} 1`,
  ];
  for (const [field, name, help] of COUNTERS) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    lines.push(`${name}${labels(base)} ${Number(stats[field]) || 0}`);
  }
  lines.push(
    "# HELP apikey_cache_circuit_state Circuit breaker in front of the cache (1 = current state).",
    "# TYPE apikey_cache_circuit_state gauge",
  );
  const states = CIRCUIT_STATES.includes(stats.circuit)
    ? CIRCUIT_STATES
    : [...CIRCUIT_STATES, stats.circuit];
  for (const state of states) {
    lines.push(
      `apikey_cache_circuit_state${labels({ ...base, state })} ${state === stats.circuit ? 1 : 0}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
