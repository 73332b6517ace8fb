/** `GET /metrics`: Prometheus text format, for the worker that answers. */
import type { FastifyInstance } from "fastify";
import type { DemoContainer } from "../container.js";
import { renderCacheMetrics } from "../metrics/cache-metrics.js";
import type { HttpMetrics } from "../metrics/http-metrics.js";

/** Register the metrics route. */
export function registerMetricsRoute(
  app: FastifyInstance,
  container: DemoContainer,
  httpMetrics: HttpMetrics,
): void {
  app.get("/metrics", async (_request, reply) => {
    const cache = renderCacheMetrics(container.resolver.stats(), {
      backend: container.backendName,
      redisClient: container.redisClient ?? "none",
      pid: process.pid,
    });
    return reply
      .type("text/plain; version=0.0.4; charset=utf-8")
      .send(cache + httpMetrics.render());
  });
}
