/**
 * The kill/restart scenario through the demo over HTTP: several worker processes behind one
 * port, Redis killed mid-run and restarted on the same port; one demo per backend (redis over
 * ioredis, tiered over node-redis), both at once on the same server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DemoProcess, startDemoProcess } from "@apikey/demo";
import { startRedisServer } from "@apikey/redis-test-server";
import { createDemoKeys, startHttpTraffic } from "../http-traffic.js";
import { LOADER_MS, randomPrefix, type Scenario } from "../scenario.js";
import { sleep } from "../sleep.js";
import { resolveBoundMs } from "../traffic.js";

const VARIANTS = [
  ["redis", "ioredis"],
  ["tiered", "node-redis"],
] as const;
const KEYS = 200;
/** Per demo: two demos with their workers share two cores with the driver and Redis. */
const DEMO_REQUESTS_PER_SECOND = 60;
/** HTTP, JSON and a SQLite lookup on top of the resolver's own bound. */
const HTTP_MARGIN_MS = 1_000;

export const demoKillRestartScenario: Scenario = {
  name: "demo-http-kill-restart",
  description:
    "through the demo over HTTP (several workers): Redis killed mid-run and restarted on the same port",
  async run(profile) {
    const server = await startRedisServer();
    const dirs: string[] = [];
    const demos: DemoProcess[] = [];
    try {
      for (const [backend, client] of VARIANTS) {
        const dir = mkdtempSync(join(tmpdir(), "apikey-reliability-demo-"));
        dirs.push(dir);
        demos.push(
          await startDemoProcess({
            env: {
              DATA_DIR: dir,
              WORKERS: String(profile.demoWorkers),
              APIKEY_CACHE_BACKEND: backend,
              APIKEY_REDIS_CLIENT: client,
              REDIS_URL: server.url,
              APIKEY_REDIS_KEY_PREFIX: randomPrefix(`demo:${backend}`),
            },
            readyTimeoutMs: 90_000,
          }),
        );
      }
      const runs = [];
      for (const [index, demo] of demos.entries()) {
        const [backend, client] = VARIANTS[index] as (typeof VARIANTS)[number];
        const admin = demo.adminKey ?? "";
        const keys = await createDemoKeys(demo.url, admin, KEYS);
        runs.push(
          startHttpTraffic(
            `demo ${backend} over ${client} (${profile.demoWorkers} workers)`,
            demo.url,
            admin,
            keys,
            {
              ...profile,
              requestsPerSecond: Math.min(profile.requestsPerSecond, DEMO_REQUESTS_PER_SECOND),
            },
            resolveBoundMs(LOADER_MS) + HTTP_MARGIN_MS,
          ),
        );
      }
      await sleep(profile.calmMs);
      await server.kill();
      await sleep(profile.faultMs);
      await server.restart();
      for (const run of runs) run.markFaultEnd();
      await sleep(profile.calmMs);
      const rows = await Promise.all(runs.map((run) => run.stop()));
      return {
        rows,
        checks: [],
        notes: [
          `${DEMO_REQUESTS_PER_SECOND} requests/s per demo; down for ${profile.faultMs} ms; ${KEYS} keys per demo created through the admin API; revocations through DELETE /admin/keys/:id (retried while the cache does not confirm); recovery: the first /healthz with cache.reachable after the restart; latency bound: resolve bound + ${HTTP_MARGIN_MS} ms for HTTP and SQLite`,
        ],
      };
    } finally {
      await Promise.allSettled(demos.map((demo) => demo.stop()));
      await server.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  },
};
