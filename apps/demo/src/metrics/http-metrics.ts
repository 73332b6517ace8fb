/**
 * Request counts and a latency histogram per route, kept in plain Maps and rendered in the
 * Prometheus text format. The route label is the route pattern (`/admin/keys/:id`), never the
 * raw URL, so label cardinality stays bounded whatever clients send.
 */

/** Upper bounds of the latency histogram, in seconds. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

interface RouteLatency {
  readonly bucketCounts: number[];
  count: number;
  sum: number;
}

/** Counters and histograms of the HTTP layer of one process. */
export class HttpMetrics {
  /** `method route status` → count. */
  readonly #requests = new Map<string, number>();
  /** `method route` → histogram. */
  readonly #latency = new Map<string, RouteLatency>();

  /** Record one finished request. */
  observe(method: string, route: string, statusCode: number, seconds: number): void {
    const requestKey = `${method}\u0000${route}\u0000${statusCode}`;
    this.#requests.set(requestKey, (this.#requests.get(requestKey) ?? 0) + 1);
    const latencyKey = `${method}\u0000${route}`;
    let latency = this.#latency.get(latencyKey);
    if (latency === undefined) {
      latency = { bucketCounts: LATENCY_BUCKETS_SECONDS.map(() => 0), count: 0, sum: 0 };
      this.#latency.set(latencyKey, latency);
    }
    latency.count += 1;
    latency.sum += seconds;
    const bucket = LATENCY_BUCKETS_SECONDS.findIndex((bound) => seconds <= bound);
    if (bucket >= 0) latency.bucketCounts[bucket] = (latency.bucketCounts[bucket] ?? 0) + 1;
  }

  /** The metrics in Prometheus text format (0.0.4). */
  render(): string {
    const lines: string[] = [
      "# HELP http_requests_total HTTP requests handled by this worker.",
      "# TYPE http_requests_total counter",
    ];
    for (const [key, count] of this.#requests) {
      const [method = "", route = "", status = ""] = key.split("\u0000");
      lines.push(`http_requests_total${labels({ method, route, status })} ${count}`);
    }
    lines.push(
      "# HELP http_request_duration_seconds Time from request start to response end.",
      "# TYPE http_request_duration_seconds histogram",
    );
    for (const [key, latency] of this.#latency) {
      const [method = "", route = ""] = key.split("\u0000");
      let cumulative = 0;
      LATENCY_BUCKETS_SECONDS.forEach((bound, index) => {
        cumulative += latency.bucketCounts[index] ?? 0;
        lines.push(
          `http_request_duration_seconds_bucket${labels({ method, route, le: String(bound) })} ${cumulative}`,
        );
      });
      lines.push(
        `http_request_duration_seconds_bucket${labels({ method, route, le: "+Inf" })} ${latency.count}`,
        `http_request_duration_seconds_sum${labels({ method, route })} ${latency.sum}`,
        `http_request_duration_seconds_count${labels({ method, route })} ${latency.count}`,
      );
    }
    return `${lines.join("\n")}\n`;
  }
}

/** `{a="x",b="y"}` with label values escaped as the text format requires. */
export function labels(values: Record<string, string>): string {
  const parts = Object.entries(values).map(
    ([name, value]) =>
      `${name}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
  );
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}
