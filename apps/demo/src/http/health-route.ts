/**
 * `GET /healthz`: the database and the cache backend, each probed with a deadline. An
 * unreachable cache reports "degraded" with status 200, not 503: the resolver falls back to the
 * database, so a Redis outage must not take every worker out of a load balancer.
 */
import { TieredApiKeyCacheBackend } from "@apikey/core";
import type { FastifyInstance } from "fastify";
import type { DemoContainer } from "../container.js";

/** How long each probe (database, cache) may take. */
export const HEALTH_PROBE_TIMEOUT_MS = 500;
const PROBE_KEY = "__healthz_probe__";

/** Register the health route. */
export function registerHealthRoute(app: FastifyInstance, container: DemoContainer): void {
  app.get("/healthz", async (_request, reply) => {
    const [database, cache] = await Promise.all([
      probe(() => container.store.ping()),
      probe(() => container.backend.get(PROBE_KEY)),
    ]);
    const body = {
      status: !database.reachable ? "down" : cache.reachable ? "ok" : "degraded",
      pid: process.pid,
      database: {
        kind: container.store.kind,
        reachable: database.reachable,
        probeMs: database.probeMs,
        ...(database.error === undefined ? {} : { error: database.error }),
      },
      cache: {
        backend: container.backendName,
        configured: container.config.cacheBackend,
        client: container.redisClient ?? null,
        reachable: cache.reachable,
        probeMs: cache.probeMs,
        ...(cache.error === undefined ? {} : { error: cache.error }),
        circuit: container.resolver.stats().circuit,
        // Tiered: whether this worker reads its L1 (off while its bus is not confirmed).
        l1Enabled:
          container.backend instanceof TieredApiKeyCacheBackend
            ? container.backend.l1Enabled
            : null,
      },
    };
    return reply.code(database.reachable ? 200 : 503).send(body);
  });
}

interface ProbeResult {
  reachable: boolean;
  probeMs: number;
  error?: string;
}

async function probe(call: () => Promise<unknown>): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 10) / 10;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${HEALTH_PROBE_TIMEOUT_MS} ms`)),
      HEALTH_PROBE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([call(), deadline]);
    return { reachable: true, probeMs: elapsed() };
  } catch (error) {
    // Driver messages name hosts and ports, never the URL's password.
    const message = error instanceof Error ? error.message : String(error);
    return { reachable: false, probeMs: elapsed(), error: message };
  } finally {
    clearTimeout(timer);
  }
}
