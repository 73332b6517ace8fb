/**
 * http: the whole request path. The demo app (2 workers) runs twice per backend, with
 * authentication on and with `APIKEY_AUTH=off`, and autocannon drives `GET /v1/whoami` on
 * loopback with a valid key (the same request bytes both times). The authed/unauthed ratio is
 * what authenticating through the cache costs end to end. Goal: >= 0.8 on memory and tiered.
 * Both instances of a backend run at once (idle while the other is measured), so their rounds
 * can alternate and share the machine's noise.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedisServer } from "@apikey/conformance/redis";
import type { DemoProcess } from "@apikey/demo";
import { startDemoProcess } from "@apikey/demo";
import autocannon from "autocannon";
import { median } from "../harness/compare-contenders.js";
import { formatMs, formatRatio } from "../harness/goals.js";
import type { BenchSuite, SuiteContext } from "../harness/suite.js";
import { formatCount, renderTable } from "../harness/table.js";

const CONNECTIONS = 50;
const WORKERS = 2;
const WARMUP_SECONDS = 1;
const GOAL = 0.8;
const BACKENDS = ["memory", "tiered"] as const;

/** One autocannon run's figures. */
interface LoadResult {
  requestsPerSecond: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/** See the module comment. */
export const httpSuite: BenchSuite = {
  name: "http",
  description: `demo app (${WORKERS} workers), GET /v1/whoami with a valid key: auth on vs APIKEY_AUTH=off`,
  async run(context: SuiteContext): Promise<void> {
    const server = await startRedisServer();
    const dataRoot = await mkdtemp(join(tmpdir(), "apikey-bench-http-"));
    const demos: DemoProcess[] = [];
    const rows: string[][] = [];
    try {
      for (const backend of BACKENDS) {
        const start = async (auth: boolean): Promise<DemoProcess> => {
          const name = `${backend}-${auth ? "auth" : "noauth"}`;
          const demo = await startDemoProcess({
            env: {
              HOST: "127.0.0.1",
              WORKERS: String(WORKERS),
              DATA_DIR: join(dataRoot, name),
              APIKEY_CACHE_BACKEND: backend,
              REDIS_URL: backend === "memory" ? "" : server.url,
              APIKEY_REDIS_KEY_PREFIX: `bench:http:${name}:`,
              APIKEY_AUTH: auth ? "on" : "off",
            },
          });
          demos.push(demo);
          return demo;
        };
        const [authed, unauthed] = await Promise.all([start(true), start(false)]);
        const apiKey = await createApiKey(authed);
        const headers = { authorization: `Bearer ${apiKey}` };
        await expectStatus(authed.url, headers, 200);
        await expectStatus(authed.url, {}, 401);

        const targets = [
          { label: "auth on", demo: authed, results: [] as LoadResult[] },
          { label: "APIKEY_AUTH=off", demo: unauthed, results: [] as LoadResult[] },
        ];
        for (const target of targets) await drive(target.demo.url, headers, WARMUP_SECONDS * 1000);
        const roundRatios: number[] = [];
        for (let round = 0; round < context.options.runs; round++) {
          const order = round % 2 === 0 ? targets : [...targets].reverse();
          for (const target of order) {
            target.results.push(
              await drive(target.demo.url, headers, context.options.httpDurationMs),
            );
          }
          const [on, off] = targets.map((target) => target.results[round] as LoadResult);
          roundRatios.push(
            (on as LoadResult).requestsPerSecond / (off as LoadResult).requestsPerSecond,
          );
        }
        const ratio = median(roundRatios);
        const verdict = context.goals.ratio(
          "http",
          `${backend}: auth on / APIKEY_AUTH=off`,
          ratio,
          GOAL,
        );
        for (const target of targets) {
          const failures = target.results.reduce((sum, r) => sum + r.non2xx + r.errors, 0);
          const isAuthed = target === targets[0];
          rows.push([
            backend,
            target.label,
            formatCount(median(target.results.map((r) => r.requestsPerSecond))),
            formatMs(median(target.results.map((r) => r.p99Ms))),
            isAuthed
              ? `${formatRatio(ratio)} (${roundRatios.map((r) => r.toFixed(2)).join(", ")})`
              : "",
            isAuthed ? verdict.goal : "",
            `${isAuthed ? (verdict.passed ? "PASS" : "FAIL") : ""}${failures > 0 ? ` ${failures} non-2xx/errors` : ""}`.trim(),
          ]);
        }
      }
    } finally {
      await Promise.all(demos.map((demo) => demo.stop()));
      await server.stop();
      await rm(dataRoot, { recursive: true, force: true });
    }
    console.log(
      `\nhttp: GET /v1/whoami, ${CONNECTIONS} connections, median of ${context.options.runs} x ${context.options.httpDurationMs / 1000} s, loopback\n`,
    );
    console.log(
      renderTable(
        [
          { header: "backend" },
          { header: "mode" },
          { header: "req/s (median)", alignRight: true },
          { header: "p99", alignRight: true },
          { header: "ratio on/off (rounds)" },
          { header: "goal" },
          { header: "verdict" },
        ],
        rows,
      ),
    );
  },
};

async function createApiKey(demo: DemoProcess): Promise<string> {
  if (demo.adminKey === undefined) throw new Error("the demo printed no admin key");
  const response = await fetch(`${demo.url}/admin/keys`, {
    method: "POST",
    headers: { "x-api-key": demo.adminKey, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench" }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { key?: unknown };
  if (!response.ok || typeof body.key !== "string") {
    throw new Error(`could not create an API key (${response.status}): ${JSON.stringify(body)}`);
  }
  return body.key;
}

async function expectStatus(
  url: string,
  headers: Record<string, string>,
  status: number,
): Promise<void> {
  const response = await fetch(`${url}/v1/whoami`, {
    headers,
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  if (response.status !== status) {
    throw new Error(`GET /v1/whoami answered ${response.status}, expected ${status}`);
  }
}

async function drive(
  baseUrl: string,
  headers: Record<string, string>,
  durationMs: number,
): Promise<LoadResult> {
  const result = await autocannon({
    url: `${baseUrl}/v1/whoami`,
    connections: CONNECTIONS,
    duration: durationMs / 1000,
    headers,
  });
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
