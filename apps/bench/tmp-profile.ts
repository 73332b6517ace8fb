import { DeadlineQueue, encodeCachedApiKey } from "@apikey/core";
if (process.env.PATCH === "eager") {
  type Call = { deadline: number; settled: boolean; reject: (e: unknown) => void };
  let pending: Call[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | undefined;
  const trim = () => {
    while (head < pending.length && (pending[head] as Call).settled) head++;
    if (head === pending.length) { pending.length = 0; head = 0; }
    else if (head > 1024 && head * 2 > pending.length) { pending = pending.slice(head); head = 0; }
  };
  const expire = () => {
    timer = undefined;
    const now = performance.now();
    while (head < pending.length && ((pending[head] as Call).settled || (pending[head] as Call).deadline <= now)) {
      const c = pending[head] as Call; if (!c.settled) { c.settled = true; c.reject(new Error("deadline")); } head++;
    }
    trim();
    if (head < pending.length) timer = setTimeout(expire, Math.max(1, (pending[head] as Call).deadline - now)).unref();
  };
  (DeadlineQueue.prototype as unknown as { run: (w: Promise<unknown>) => Promise<unknown> }).run = function (this: { timeoutMs: number }, work: Promise<unknown>) {
    return new Promise((resolve, reject) => {
      const call: Call = { deadline: performance.now() + this.timeoutMs, settled: false, reject };
      pending.push(call);
      if (timer === undefined) timer = setTimeout(expire, this.timeoutMs).unref();
      work.then((v) => { if (call.settled) return; call.settled = true; trim(); resolve(v); },
                (e) => { if (call.settled) return; call.settled = true; trim(); reject(e); });
    });
  };
}
if (process.env.PATCH === "nodeadline") (DeadlineQueue.prototype as unknown as { run: (w: Promise<unknown>) => Promise<unknown> }).run = (w) => w;
import { IoredisApiKeyCacheBackend } from "@apikey/redis-ioredis";
import { NodeRedisApiKeyCacheBackend } from "@apikey/redis-node";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { runClosedLoop } from "./src/harness/closed-loop.js";
import { startRedisServer as startBenchRedisServer } from "@apikey/conformance/redis";
import { makeApiKeys } from "./src/harness/workload.js";

const which = process.argv[2] ?? "raw-io";
const conc = Number(process.argv[3] ?? 256);
const server = await startBenchRedisServer();
const keys = makeApiKeys(10000);
const P = "bench:apikey:";
const io = new Redis(server.url, { enableAutoPipelining: true });
await Promise.all(keys.map((k) => io.set(P + k.hash, encodeCachedApiKey(k.record), "PX", 3600000)));
const nr = createClient({ url: server.url, commandOptions: { timeout: 0 } });
nr.on("error", () => {});
await nr.connect();
const ours = new IoredisApiKeyCacheBackend(io, { keyPrefix: P });
const oursN = new NodeRedisApiKeyCacheBackend(nr, { keyPrefix: P });
const full = keys.map((k) => P + k.hash);
const ops: Record<string, (s: number) => Promise<unknown>> = {
  "raw-io": async (s) => JSON.parse((await io.get(full[s % 10000] as string)) as string),
  "ours-io": async (s) => ours.get(keys[s % 10000]!.hash),
  "raw-nr": async (s) => JSON.parse((await nr.get(full[s % 10000] as string)) as string),
  "ours-nr": async (s) => oursN.get(keys[s % 10000]!.hash),
};
const op = ops[which]!;
await runClosedLoop(op, { concurrency: conc, durationMs: 1000 });
const r = await runClosedLoop(op, { concurrency: conc, durationMs: Number(process.env.D ?? 4000) });
console.log(
  which,
  conc,
  Math.round(r.opsPerSecond),
  "ops/s",
  (r.cpuMicros / r.completed).toFixed(2),
  "cpu us/op",
  r.failed,
  "failed",
);
process.exit(0);
const info = await nr.info("errorstats");
const cs = await nr.info("commandstats");
console.log(
  info,
  cs
    .split("\n")
    .filter((l) => /get|set|hello|client|script|eval/i.test(l))
    .join("\n"),
);
await io.quit();
await nr.close();
await server.stop();
process.exit(0);
