/**
 * Turns the metric snapshots of several processes into one Prometheus text: summed across
 * workers (prom-client's `AggregatorRegistry.aggregate`: counters and histograms add up, and so
 * do the gauges, which then count workers), or side by side with a `worker_pid` label on every
 * series. Both views have the same names and, apart from `worker_pid`, the same labels.
 */
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from "prom-client";

/** What one process's `registry.getMetricsAsJSON()` gave. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** One process's snapshot and who it is. */
export interface WorkerSnapshot {
  pid: number;
  metrics: MetricsSnapshot;
}

/** `sum`: one series per label set, added up over workers; `per-worker`: each worker's own. */
export type MetricsView = "sum" | "per-worker";

/** The Prometheus text format content type of both views. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Render `snapshots` in `view`. `expectedWorkers` is how many were asked: the text says how many
 * answered (`demo_metrics_workers`), so a sum that misses a worker is visible as such.
 */
export async function renderMetrics(
  snapshots: readonly WorkerSnapshot[],
  view: MetricsView,
  expectedWorkers: number,
): Promise<string> {
  const inputs =
    view === "sum"
      ? snapshots.map((snapshot) => snapshot.metrics)
      : snapshots.map((snapshot) => withWorkerPid(snapshot));
  const text = inputs.length === 0 ? "" : await AggregatorRegistry.aggregate(inputs).metrics();
  const missing = Math.max(0, expectedWorkers - snapshots.length);
  const separator = text === "" || text.endsWith("\n") ? "" : "\n";
  const workers = [
    "# HELP demo_metrics_workers Workers whose metrics this answer includes (reporting) or lacks (missing: no answer in time).",
    "# TYPE demo_metrics_workers gauge",
    `demo_metrics_workers{state="reporting"} ${snapshots.length}`,
    `demo_metrics_workers{state="missing"} ${missing}`,
  ];
  return `${text}${separator}${workers.join("\n")}\n`;
}

function withWorkerPid(snapshot: WorkerSnapshot): MetricsSnapshot {
  const workerPid = String(snapshot.pid);
  return snapshot.metrics.map((metric) => ({
    ...metric,
    values: metric.values.map((value) => ({
      ...value,
      labels: { ...value.labels, worker_pid: workerPid },
    })),
  }));
}
