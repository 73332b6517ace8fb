/**
 * `pnpm demo:revocation`: the problem this project solves, measured. For each backend it starts
 * the demo's workers, creates a key, lets every worker cache it, revokes it, and then counts the
 * requests still accepted and the time until every worker rejects it. It spawns its own
 * throwaway redis-server on a free loopback port, and stops everything it started.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RedisServerHandle, startRedisServer } from "@apikey/redis-test-server";
import { type DemoProcess, startDemoProcess } from "./demo-process.js";
import { sendRequest } from "./http-client.js";
import {
  type RevocationObservation,
  warmEveryWorker,
  watchRevocation,
} from "./revocation-probe.js";

/** The memory backend's TTL here: its stale window is up to this long. */
const MEMORY_TTL_SECONDS = 3;
/** The tiered backend's L1 lifetime here (and so what `wait: true` waits). */
const LOCAL_TTL_SECONDS = 2;
/** How long to watch the Redis-backed runs; delivery takes milliseconds. */
const REDIS_CAP_MS = 2_000;

interface Scenario {
  backend: "memory" | "redis" | "tiered";
  client: "ioredis" | "node-redis" | "-";
  revokeWait: boolean;
  capMs: number;
}

interface Row {
  scenario: Scenario;
  revokeMs: number;
  observation: RevocationObservation;
}

const SCENARIOS: Scenario[] = [
  { backend: "memory", client: "-", revokeWait: false, capMs: MEMORY_TTL_SECONDS * 1000 + 1000 },
  { backend: "redis", client: "ioredis", revokeWait: false, capMs: REDIS_CAP_MS },
  { backend: "redis", client: "node-redis", revokeWait: false, capMs: REDIS_CAP_MS },
  { backend: "tiered", client: "ioredis", revokeWait: false, capMs: REDIS_CAP_MS },
  { backend: "tiered", client: "node-redis", revokeWait: false, capMs: REDIS_CAP_MS },
  { backend: "tiered", client: "ioredis", revokeWait: true, capMs: REDIS_CAP_MS },
];

async function runScenario(
  scenario: Scenario,
  redis: RedisServerHandle,
  workers: number,
  index: number,
): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), "apikey-demo-walkthrough-"));
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    WORKERS: String(workers),
    APIKEY_CACHE_BACKEND: scenario.backend,
    APIKEY_CACHE_TTL_SECONDS: scenario.backend === "memory" ? String(MEMORY_TTL_SECONDS) : "60",
    APIKEY_LOCAL_TTL_SECONDS: String(LOCAL_TTL_SECONDS),
    APIKEY_REVOKE_WAIT: scenario.revokeWait ? "on" : "off",
  };
  if (scenario.backend !== "memory") {
    env.REDIS_URL = redis.url;
    env.APIKEY_REDIS_CLIENT = scenario.client;
    env.APIKEY_REDIS_KEY_PREFIX = `walkthrough:${index}:`;
  }
  let demo: DemoProcess | undefined;
  try {
    demo = await startDemoProcess({ env });
    const admin = { "x-api-key": demo.adminKey ?? "" };
    const created = await sendRequest(`${demo.url}/admin/keys`, {
      method: "POST",
      headers: admin,
      body: { name: "walkthrough" },
    });
    const { id, key } = created.json as { id: string; key: string };
    const warmed = await warmEveryWorker(demo.url, key, demo.workerPids);
    if (warmed.size < demo.workerPids.length) throw new Error("could not reach every worker");

    const started = performance.now();
    const revoked = await sendRequest(`${demo.url}/admin/keys/${id}`, {
      method: "DELETE",
      headers: admin,
    });
    const revokeMs = performance.now() - started;
    if (revoked.status !== 200) throw new Error(`revoke failed: ${revoked.status} ${revoked.text}`);
    const observation = await watchRevocation(demo.url, key, demo.workerPids, scenario.capMs);
    const exit = await demo.stop();
    if (exit.code !== 0) console.error(`  (demo exited with ${exit.code ?? exit.signal})`);
    return { scenario, revokeMs, observation };
  } finally {
    if (demo !== undefined) await demo.stop("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function describeScenario(scenario: Scenario): string {
  const client = scenario.client === "-" ? "" : ` (${scenario.client})`;
  const wait = scenario.revokeWait ? ", wait: true" : "";
  return `${scenario.backend}${client}${wait}`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function renderTable(rows: Row[], workers: number): string {
  const header = [
    "backend",
    "revoke took",
    "accepted after revoke",
    `all ${workers} workers reject after`,
  ];
  const body = rows.map(({ scenario, revokeMs, observation }) => [
    describeScenario(scenario),
    formatMs(revokeMs),
    `${observation.accepted} of ${observation.requests}`,
    observation.convergedMs === undefined
      ? `not within ${formatMs(scenario.capMs)}`
      : observation.accepted === 0
        ? `${formatMs(observation.convergedMs)} (first request to each)`
        : formatMs(observation.convergedMs),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] ?? "").length)),
  );
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`,
    ...body.map(line),
  ].join("\n");
}

async function main(): Promise<void> {
  const workers = Number(process.env.WORKERS ?? 3) || 3;
  console.log(
    `Revocation across ${workers} worker processes: create a key, let every worker cache it,\n` +
      "revoke it, then send requests round-robin until every worker rejects it.\n",
  );
  const redis = await startRedisServer();
  const rows: Row[] = [];
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    for (const [index, scenario] of SCENARIOS.entries()) {
      if (interrupted) break;
      process.stdout.write(`- ${describeScenario(scenario)} ... `);
      const row = await runScenario(scenario, redis, workers, index);
      rows.push(row);
      process.stdout.write(
        `${row.observation.accepted} accepted after revoke, revoke took ${formatMs(row.revokeMs)}\n`,
      );
    }
  } finally {
    await redis.stop();
  }
  console.log(`\n${renderTable(rows, workers)}\n`);
  console.log(
    [
      `memory: only the worker that served the DELETE drops its copy; the others keep accepting the`,
      `  revoked key until their entry expires (TTL ${MEMORY_TTL_SECONDS} s here, 60 s by default).`,
      "redis: one shared keyspace; the tombstone is there before the DELETE returns, so every",
      "  worker rejects on its next request, at the cost of a Redis round trip per request.",
      "tiered: memory-speed hits from a local copy; the revocation reaches the other workers over",
      "  pub/sub within milliseconds, and never later than the local TTL",
      `  (${LOCAL_TTL_SECONDS} s here). With wait: true the DELETE returns only after that bound.`,
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
