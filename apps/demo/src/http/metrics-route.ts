/**
 * `GET /metrics`: Prometheus text, summed across every worker. `GET /metrics/workers`: every
 * worker's own series, each with a `worker_pid` label. Whichever worker answers, the numbers
 * are the cluster's (the primary gathers them, see `metrics/primary-metrics-hub.ts`).
 */

import type { ApiKeyCacheLogger } from "@apikey/core";
import type { FastifyInstance, FastifyReply } from "fastify";
import { METRICS_CONTENT_TYPE, type MetricsView } from "../metrics/metrics-aggregation.js";
import type { MetricsLink } from "../metrics/worker-metrics-link.js";
import { sendError } from "./error-replies.js";

/** Register the metrics routes. */
export function registerMetricsRoute(
  app: FastifyInstance,
  link: MetricsLink,
  logger: ApiKeyCacheLogger,
): void {
  const answer = (view: MetricsView) => async (_request: unknown, reply: FastifyReply) => {
    try {
      return reply.type(METRICS_CONTENT_TYPE).send(await link.render(view));
    } catch (error) {
      logger.warn("metrics: could not gather the workers' metrics", error);
      return sendError(
        reply,
        "metrics_unavailable",
        "The workers' metrics could not be gathered in time; retry.",
      );
    }
  };
  app.get("/metrics", answer("sum"));
  app.get("/metrics/workers", answer("per-worker"));
  app.addHook("onClose", async () => link.close());
}
