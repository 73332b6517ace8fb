/**
 * The Fastify application of one worker: routes plus the hooks that time every request for
 * `/metrics`. Building it does not listen; `worker.ts` and `server.ts` do.
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { DemoContainer } from "../container.js";
import { createProcessMetrics } from "../metrics/process-metrics.js";
import { linkWorkerMetrics } from "../metrics/worker-metrics-link.js";
import { registerAdminRoutes } from "./admin-routes.js";
import { registerErrorReplies } from "./error-replies.js";
import { registerHealthRoute } from "./health-route.js";
import { registerMetricsRoute } from "./metrics-route.js";
import { registerWhoamiRoute } from "./whoami-route.js";

const startTimes = new WeakMap<object, bigint>();

/** Build the app for `container`. `logger: true` turns on Fastify's request log. */
export function buildApp(
  container: DemoContainer,
  options: { logger?: boolean } = {},
): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 16 * 1024,
    // Fastify's defaults coerce ("true" and 1 pass as a boolean, 5 as "5") and strip unknown
    // fields silently; the API's schemas mean exactly what they say instead.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  // The API speaks JSON only: anything else is a 415, not a string the schema then refuses.
  app.removeContentTypeParser("text/plain");
  registerErrorReplies(app, container.logger);
  const metrics = createProcessMetrics({
    stats: () => container.resolver.stats(),
    backend: container.backendName,
    client: container.redisClient ?? "none",
  });

  const pid = String(process.pid);
  app.addHook("onRequest", async (request, reply) => {
    startTimes.set(request, process.hrtime.bigint());
    // Which worker answered, on every reply (401s included), for the revocation walkthrough.
    reply.header("x-worker-pid", pid);
  });
  app.addHook("onResponse", async (request, reply) => {
    const started = startTimes.get(request);
    if (started === undefined) return;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // The route pattern, not the URL: unmatched URLs share one label value.
    const route = request.routeOptions.url ?? "unmatched";
    metrics.observeRequest(request.method, route, reply.statusCode, seconds);
  });

  registerWhoamiRoute(app, container);
  registerAdminRoutes(app, container);
  registerHealthRoute(app, container);
  registerMetricsRoute(app, linkWorkerMetrics(metrics), container.logger);
  return app;
}
