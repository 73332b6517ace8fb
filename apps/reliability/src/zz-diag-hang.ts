import { buildApiKeyCacheBackend, silentLogger } from "@apikey/core";
import { ioredisDriver } from "@apikey/redis-ioredis";
import { nodeRedisDriver } from "@apikey/redis-node";
import { startRedisCluster, startTcpFaultProxy } from "@apikey/redis-test-server";
import { probeKeyOnMaster } from "./cluster-topology.js";
import { sleep } from "./sleep.js";

const which = process.argv[2] === "ioredis" ? ioredisDriver : nodeRedisDriver;
const cluster = await startRedisCluster({ masters: 3 });
const victim = cluster.nodes[1]!;
const proxy = await startTcpFaultProxy({ target: { host: victim.host, port: victim.port } });
await cluster.announcePort(victim, proxy.port);
const prefix = "diag:";
const backend = buildApiKeyCacheBackend({
  backend: "redis",
  redisUrl: cluster.seedUrl,
  redisKeyPrefix: prefix,
  redis: which,
  cluster: true,
  logger: silentLogger,
  onMissingRedisUrl: "throw",
});
const key = probeKeyOnMaster(1)(prefix);
for (let i = 0; i < 200; i++) {
  if (
    await backend.set(key, { apiKey: "x", active: true }, 30).then(
      () => true,
      () => false,
    )
  )
    break;
  await sleep(50);
}
let t0 = performance.now();
const rel = () => (performance.now() - t0).toFixed(0);
let lastAccepted = proxy.acceptedCount;
const acc = setInterval(() => {
  if (proxy.acceptedCount !== lastAccepted) {
    console.log(`${rel()} accepted ${proxy.acceptedCount - lastAccepted} (mode ${proxy.mode})`);
    lastAccepted = proxy.acceptedCount;
  }
}, 2);
let firstOk: string | undefined;
let healthyAt = Infinity;
const errs = new Map<string, number>();
const tick = setInterval(() => {
  const began = performance.now();
  backend.set(key, { apiKey: "x", active: true }, 30).then(
    () => {
      if (began > healthyAt && firstOk === undefined) {
        firstOk = rel();
        console.log(`${firstOk} first ok after healthy`);
      }
    },
    (e: Error) => {
      const m = `${e.message.slice(0, 90)}`;
      errs.set(m, (errs.get(m) ?? 0) + 1);
    },
  );
}, 10);
await sleep(300);
t0 = performance.now();
proxy.setMode("half-open");
console.log("0 half-open");
await sleep(2000);
proxy.setMode("forward");
healthyAt = performance.now();
console.log(`${rel()} forward`);
for (let i = 0; i < 600 && firstOk === undefined; i++) await sleep(10);
await sleep(200);
clearInterval(tick);
clearInterval(acc);
console.log([...errs].map(([m, n]) => `${n}x ${m}`).join("\n"));
await backend.close();
await proxy.close();
await cluster.stop();
process.exit(0);
