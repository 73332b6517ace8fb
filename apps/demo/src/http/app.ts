/**
 * The Fastify application of one worker: routes plus the hooks that time every request for
 * `/metrics`. Building it does not listen; `worker.ts` and `server.ts` do.
 */
import { apiKeyAuth } from "@apikey/fastify";
import Fastify, { type FastifyInstance } from "fastify";
import { API_KEY_PATTERN, MAX_API_KEY_LENGTH } from "../api-key-format.js";
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

  // After the hook above, so refusals carry x-worker-pid too. Registered even with
  // APIKEY_AUTH=off: the admin routes always need a key. Routes opt in (config.apiKey or
  // app.requireApiKey); unknown and revoked keys get the same 401, so a caller learns nothing
  // about other keys.
  app.register(apiKeyAuth, {
    resolver: container.resolver,
    keyPattern: API_KEY_PATTERN,
    maxKeyLength: MAX_API_KEY_LENGTH,
    inactiveKeyStatus: 401,
    logger: container.logger,
    protectByDefault: false,
  });
  // Routes that use the plugin's decorations go in a plugin registered after it, so they are
  // declared once it has loaded (app.requireApiKey exists) without awaiting here.
  app.register(async (scope) => {
    registerWhoamiRoute(scope, container);
    registerAdminRoutes(scope, container);
  });
  registerHealthRoute(app, container);
  registerMetricsRoute(app, linkWorkerMetrics(metrics), container.logger);
  return app;
}
