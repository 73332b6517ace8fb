// Temporary diagnostics (to be deleted): per-config req/s, worker CPU per request, Redis commands.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedisServer } from "@apikey/conformance/redis";
import { startDemoProcess } from "@apikey/demo";
import autocannon from "autocannon";
import { Redis } from "ioredis";

const ticks = 100;
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) / ticks;
  } catch { return Number.NaN; }
}
async function commandstats(r: Redis): Promise<Record<string, number>> {
  const info = await r.info("commandstats");
  const out: Record<string, number> = {};
  for (const line of info.split("\n")) {
    const m = /^cmdstat_(\w+):calls=(\d+)/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}
const configs = (process.env.CONFIGS ?? "memory:on,memory:off,tiered:on,tiered:off").split(",");
const rounds = Number(process.env.ROUNDS ?? 2);
const dur = Number(process.env.DUR ?? 4);
const server = await startRedisServer();
const probe = new Redis(server.url);
const dataRoot = await mkdtemp(join(tmpdir(), "diag-"));
let key: string | undefined;
const keys: Record<string, string> = {};
try {
  for (let round = 0; round < rounds; round++) {
    for (const cfg of round % 2 === 0 ? configs : [...configs].reverse()) {
      const [backend, auth] = cfg.split(":") as [string, string];
      const name = `${backend}-${auth}`;
      const demo = await startDemoProcess({
        env: {
          HOST: "127.0.0.1", WORKERS: "2", DATA_DIR: join(dataRoot, name),
          APIKEY_CACHE_BACKEND: backend, REDIS_URL: backend === "memory" ? "" : server.url,
          APIKEY_REDIS_KEY_PREFIX: `diag:${name}:`, APIKEY_AUTH: auth,
          ...(process.env.DEMO_NODE_OPTIONS ? { NODE_OPTIONS: process.env.DEMO_NODE_OPTIONS } : {}),
        },
      });
      if (demo.adminKey) {
        const res = await fetch(`${demo.url}/admin/keys`, { method: "POST", headers: { "x-api-key": demo.adminKey, "content-type": "application/json" }, body: "{}" });
        keys[name] = ((await res.json()) as { key: string }).key;
      }
      key = keys[name];
      const headers = { authorization: `Bearer ${key}` };
      await autocannon({ url: `${demo.url}/v1/whoami`, connections: 50, duration: 1, headers });
      const cpu0 = demo.workerPids.map(cpuSeconds);
      const rcpu0 = cpuSeconds(server.pid!);
      const self0 = process.cpuUsage();
      const cs0 = await commandstats(probe);
      const r = await autocannon({ url: `${demo.url}/v1/whoami`, connections: 50, duration: dur, headers });
      const cs1 = await commandstats(probe);
      const self1 = process.cpuUsage(self0);
      const cpu1 = demo.workerPids.map(cpuSeconds);
      const rcpu1 = cpuSeconds(server.pid!);
      const delta: Record<string, number> = {};
      for (const [k, v] of Object.entries(cs1)) if (v - (cs0[k] ?? 0) > 0) delta[k] = v - (cs0[k] ?? 0);
      const workerCpu = cpu1.reduce((s, v, i) => s + v - cpu0[i]!, 0);
      const total = r.requests.total;
      console.log(
        `${name.padEnd(11)} ${String(Math.round(r.requests.average)).padStart(6)} req/s p50=${r.latency.p50} p99=${r.latency.p99} non2xx=${r.non2xx} workerCPU=${workerCpu.toFixed(2)}s (${((workerCpu / total) * 1e6).toFixed(1)} us/req) acCPU=${((self1.user + self1.system) / 1e6).toFixed(2)}s redisCPU=${(rcpu1 - rcpu0).toFixed(2)}s redis=${JSON.stringify(delta)}`,
      );
      await demo.stop();
    }
  }
} finally {
  probe.disconnect();
  await server.stop();
  await rm(dataRoot, { recursive: true, force: true });
}
process.exit(0);
