/**
 * The run every scenario through the demo shares: one demo per variant (backend over client,
 * `profile.demoWorkers` workers behind one port, SQLite in a temp folder, the suite's L1
 * lifetime), all started side by side against one Redis URL, keys created through the admin
 * API, then HTTP traffic: calm, the scenario's fault, calm. A demo's start (a primary and its
 * workers loading TypeScript) is most of such a run on two shared cores, so the demos start
 * at once and the calm phases of the short profile are shorter than the in-process ones.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DemoProcess, type RedisClientName, startDemoProcess } from "@apikey/demo";
import { createDemoKeys, type DemoKey, startHttpTraffic } from "./http-traffic.js";
import type { Profile } from "./profile.js";
import { LOADER_MS, randomPrefix } from "./scenario.js";
import { sleep } from "./sleep.js";
import { LOCAL_TTL_SECONDS } from "./subjects.js";
import { resolveBoundMs, type TrafficResult } from "./traffic.js";

export interface DemoVariant {
  readonly backend: "redis" | "tiered";
  readonly client: RedisClientName;
}

/** One Redis demo and one tiered demo, one over each client. */
export const DEMO_VARIANTS: readonly DemoVariant[] = [
  { backend: "redis", client: "ioredis" },
  { backend: "tiered", client: "node-redis" },
];
/** The tiered demo over each client (the bus faults). */
export const TIERED_DEMO_VARIANTS: readonly DemoVariant[] = [
  { backend: "tiered", client: "ioredis" },
  { backend: "tiered", client: "node-redis" },
];

/** Per demo: the demos with their workers share two cores with the driver and Redis. */
export const DEMO_REQUESTS_PER_SECOND = 60;
/** HTTP, JSON and a SQLite lookup on top of the resolver's own bound. */
export const HTTP_MARGIN_MS = 1_000;
/** Keys per demo for the traffic, created through the admin API. */
const TRAFFIC_KEYS = 200;
const READY_TIMEOUT_MS = 90_000;

/** Traffic before the fault and after it: the short profile's calm is cut to 1 s here. */
export function demoCalmMs(profile: Profile): number {
  return profile.name === "short" ? Math.min(profile.calmMs, 1_000) : profile.calmMs;
}

export interface RunningDemo {
  readonly variant: DemoVariant;
  /** The row's name: "demo tiered over node-redis (2 workers)". */
  readonly label: string;
  readonly url: string;
  readonly adminKey: string;
  readonly workerPids: readonly number[];
  /** Keys the traffic never sends nor revokes, for the scenario's own probes. */
  readonly spareKeys: readonly DemoKey[];
}

export interface DemoFaultRunOptions {
  readonly profile: Profile;
  /** Part of each demo's Redis key prefix. */
  readonly tag: string;
  /** Every demo's `REDIS_URL` (a server's, or a proxy's in front of it). */
  readonly redisUrl: string;
  readonly variants: readonly DemoVariant[];
  /** Spare keys per demo (see `RunningDemo.spareKeys`). @default 0 */
  readonly spareKeys?: number;
  /** Inject the fault; call `faultEnded()` when Redis is back. */
  readonly fault: (faultEnded: () => void, demos: readonly RunningDemo[]) => Promise<void>;
}

export interface DemoFaultRunResult {
  readonly rows: TrafficResult[];
  /** What every such run has in common, for the scenario's notes. */
  readonly note: string;
}

/** Start every variant's demo, run calm, fault, calm under HTTP traffic, stop them. */
export async function runDemoFault(options: DemoFaultRunOptions): Promise<DemoFaultRunResult> {
  const { profile } = options;
  const dirs: string[] = [];
  const processes: DemoProcess[] = [];
  try {
    const beganAt = performance.now();
    const started = await Promise.allSettled(
      options.variants.map(async (variant) => {
        const dir = mkdtempSync(join(tmpdir(), "apikey-reliability-demo-"));
        dirs.push(dir);
        const demo = await startDemoProcess({
          env: {
            DATA_DIR: dir,
            WORKERS: String(profile.demoWorkers),
            APIKEY_CACHE_BACKEND: variant.backend,
            APIKEY_REDIS_CLIENT: variant.client,
            REDIS_URL: options.redisUrl,
            APIKEY_REDIS_KEY_PREFIX: randomPrefix(`demo:${options.tag}:${variant.backend}`),
            APIKEY_LOCAL_TTL_SECONDS: String(LOCAL_TTL_SECONDS),
          },
          readyTimeoutMs: READY_TIMEOUT_MS,
        });
        processes.push(demo);
        return demo;
      }),
    );
    const failed = started.find((outcome) => outcome.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    const readyMs = performance.now() - beganAt;
    const demos = await Promise.all(
      started.map(async (outcome, index) => {
        const demo = (outcome as PromiseFulfilledResult<DemoProcess>).value;
        const variant = options.variants[index] as DemoVariant;
        const adminKey = demo.adminKey ?? "";
        const keys = await createDemoKeys(demo.url, adminKey, TRAFFIC_KEYS);
        const spareKeys = await createDemoKeys(demo.url, adminKey, options.spareKeys ?? 0);
        return {
          variant,
          label: `demo ${variant.backend} over ${variant.client} (${profile.demoWorkers} workers)`,
          url: demo.url,
          adminKey,
          workerPids: demo.workerPids,
          keys,
          spareKeys,
        };
      }),
    );
    const keysMs = performance.now() - beganAt - readyMs;
    const runs = demos.map((demo) =>
      startHttpTraffic({
        kind: demo.label,
        url: demo.url,
        adminKey: demo.adminKey,
        keys: demo.keys,
        profile: {
          ...profile,
          requestsPerSecond: Math.min(profile.requestsPerSecond, DEMO_REQUESTS_PER_SECOND),
        },
        boundMs: resolveBoundMs(LOADER_MS) + HTTP_MARGIN_MS,
        workerPids: demo.workerPids,
        ...(demo.variant.backend === "tiered" ? { l1BoundMs: LOCAL_TTL_SECONDS * 1000 } : {}),
      }),
    );
    await sleep(demoCalmMs(profile));
    await options.fault(() => {
      for (const run of runs) run.markFaultEnd();
    }, demos);
    await sleep(demoCalmMs(profile));
    const rows = await Promise.all(runs.map((run) => run.stop()));
    return {
      rows,
      note: `demos ready ${(readyMs / 1000).toFixed(1)} s after the start (side by side), keys created in ${(keysMs / 1000).toFixed(1)} s; ${DEMO_REQUESTS_PER_SECOND} requests/s per demo; calm ${demoCalmMs(profile)} ms before and after the fault; ${TRAFFIC_KEYS} keys per demo created through the admin API; revocations through DELETE /admin/keys/:id (retried while the cache does not confirm); tiered: APIKEY_LOCAL_TTL_SECONDS ${LOCAL_TTL_SECONDS}, a revoked key served by a worker other than the one whose DELETE returned, within that lifetime, is the documented bound (its own column); recovery: every worker answered /healthz (new connection each) with cache.reachable after the fault ended; latency bound: resolve bound + ${HTTP_MARGIN_MS} ms for HTTP and SQLite`,
    };
  } finally {
    await Promise.allSettled(processes.map((demo) => demo.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
