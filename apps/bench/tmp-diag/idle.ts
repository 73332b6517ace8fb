import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedisServer } from "@apikey/conformance/redis";
import { startDemoProcess } from "@apikey/demo";
function cpu(pid: number): number { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" "); return (Number(f[11]) + Number(f[12])) / 100; }
const server = await startRedisServer();
const root = await mkdtemp(join(tmpdir(), "idle-"));
for (const backend of ["memory", "tiered"]) {
  const demo = await startDemoProcess({ env: { HOST: "127.0.0.1", WORKERS: "2", DATA_DIR: join(root, backend), APIKEY_CACHE_BACKEND: backend, REDIS_URL: backend === "memory" ? "" : server.url } });
  await new Promise((r) => setTimeout(r, 2000));
  const pids = [demo.pid, ...demo.workerPids, server.pid!];
  const a = pids.map(cpu);
  await new Promise((r) => setTimeout(r, 5000));
  const b = pids.map(cpu);
  console.log(backend, "idle CPU over 5 s (primary, w1, w2, redis):", pids.map((_, i) => (b[i]! - a[i]!).toFixed(2)).join(" "));
  await demo.stop();
}
await server.stop();
process.exit(0);
