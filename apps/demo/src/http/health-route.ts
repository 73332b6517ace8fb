/**
 * `GET /healthz`: the database and the cache backend, each probed with a deadline. An
 * unreachable cache reports "degraded" with status 200, not 503: the resolver falls back to the
 * database, so a Redis outage must not take every worker out of a load balancer.
 */
import type { FastifyInstance } from "fastify";
import type { DemoContainer } from "../container.js";

/** How long the cache probe may take. */
export const HEALTH_PROBE_TIMEOUT_MS = 500;
const PROBE_KEY = "__healthz_probe__";

/** Register the health route. */
export function registerHealthRoute(app: FastifyInstance, container: DemoContainer): void {
  app.get("/healthz", async (_request, reply) => {
    let database = false;
    try {
      database = container.store.ping();
    } catch {
      database = false;
    }
    const started = performance.now();
    const cache = await probe(container);
    const body = {
      status: !database ? "down" : cache.reachable ? "ok" : "degraded",
      pid: process.pid,
      database: { reachable: database },
      cache: {
        backend: container.backendName,
        configured: container.config.cacheBackend,
        client: container.redisClient ?? null,
        reachable: cache.reachable,
        probeMs: Math.round((performance.now() - started) * 10) / 10,
        ...(cache.error === undefined ? {} : { error: cache.error }),
        circuit: container.resolver.stats().circuit,
      },
    };
    return reply.code(database ? 200 : 503).send(body);
  });
}

async function probe(container: DemoContainer): Promise<{ reachable: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${HEALTH_PROBE_TIMEOUT_MS} ms`)),
      HEALTH_PROBE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([container.backend.get(PROBE_KEY), deadline]);
    return { reachable: true };
  } catch (error) {
    return { reachable: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
