/**
 * The eviction race, measured (not a test): two resolvers on one Redis whose `maxmemory` is
 * small, under a steady flood of filler writes, revoke keys while a load that read "active"
 * is in flight. Redis evicts to stay under the limit; when it evicts a fresh tombstone before
 * the stalled load writes, the load's `SET NX` finds nothing and stores "active" again. Counts,
 * per policy, how many revoked keys a resolve started after `revoke()` resolved (and after every
 * load landed) still answers active, and how many tombstones were gone by then.
 *
 * Run: pnpm --filter @apikey/bench exec node --conditions=@apikey/source --import tsx src/eviction-race.ts [rounds]
 */
import { randomUUID } from "node:crypto";
import { createApiKeyResolver, hashApiKey, silentLogger } from "@apikey/core";
import { ioredisDriver } from "@apikey/redis-ioredis";
import { startRedisServer } from "@apikey/redis-test-server";
import { Redis } from "ioredis";

const ROUNDS = Number(process.argv[2] ?? 2_000);
const PARALLEL = 20;
const MAX_LOAD_STALL_MS = 30;
const FILLER_BYTES = 4_096;
const POLICIES = ["noeviction", "volatile-ttl", "volatile-lru", "allkeys-lru", "allkeys-random"];
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface PolicyReport {
  policy: string;
  rounds: number;
  revokeFailures: number;
  activeAfterRevoke: number;
  tombstonesGone: number;
  fillerWrites: number;
  fillerErrors: number;
  evictedKeys: number;
  elapsedS: number;
}

async function measure(policy: string): Promise<PolicyReport> {
  const server = await startRedisServer({
    config: ["maxmemory 4mb", `maxmemory-policy ${policy}`],
  });
  const flood = new Redis(server.url, { maxRetriesPerRequest: 1 });
  const keyPrefix = `race:${randomUUID()}:`;
  const backends = [0, 1].map(() =>
    ioredisDriver.createBackend({
      url: server.url,
      keyPrefix,
      logger: silentLogger,
      checkMaxmemoryPolicy: false,
    }),
  );
  const revoked = new Set<string>();
  const load = async (keyHash: string) => {
    const active = !revoked.has(keyHash);
    await sleep(Math.random() * MAX_LOAD_STALL_MS);
    return { apiKey: keyHash.slice(0, 12), active };
  };
  const resolvers = backends.map((backend) =>
    createApiKeyResolver({
      backend,
      load,
      logger: silentLogger,
      ttlSeconds: 60,
      timeoutMs: 2_000,
      loadTimeoutMs: 2_000,
      writeTimeoutMs: 2_000,
    }),
  );
  const report: PolicyReport = {
    policy,
    rounds: ROUNDS,
    revokeFailures: 0,
    activeAfterRevoke: 0,
    tombstonesGone: 0,
    fillerWrites: 0,
    fillerErrors: 0,
    evictedKeys: 0,
    elapsedS: 0,
  };

  // The flood: filler keys with a TTL (so volatile-* policies may pick them too), as fast as
  // one pipelined connection goes, until the rounds are done.
  let flooding = true;
  const filler = "x".repeat(FILLER_BYTES);
  const floodLoop = (async () => {
    while (flooding) {
      const pipeline = flood.pipeline();
      for (let index = 0; index < 50; index++) {
        pipeline.set(`filler:${randomUUID()}`, filler, "PX", 600_000);
      }
      const results = (await pipeline.exec()) ?? [];
      for (const [error] of results) {
        if (error === null) report.fillerWrites++;
        else report.fillerErrors++;
      }
      await sleep(0);
    }
  })();

  const started = performance.now();
  const round = async (index: number): Promise<void> => {
    const plaintext = `ak_evict_${randomUUID()}`;
    const keyHash = hashApiKey(plaintext);
    // Both resolvers miss and load; the revoke lands while their loads stall.
    const early = resolvers.map((resolver) => resolver.resolve(plaintext).catch(() => undefined));
    await sleep(Math.random() * (MAX_LOAD_STALL_MS / 2));
    revoked.add(keyHash);
    try {
      await (resolvers[index % 2] ?? resolvers[0])?.revoke(keyHash);
    } catch {
      report.revokeFailures++;
      await Promise.all(early);
      return;
    }
    await Promise.all(early);
    const stored = await backends[0]?.get(keyHash).catch(() => undefined);
    if (stored === undefined || stored.active) report.tombstonesGone++;
    const answers = await Promise.all(resolvers.map((resolver) => resolver.resolve(plaintext)));
    if (answers.some((answer) => answer?.active === true)) report.activeAfterRevoke++;
  };
  for (let done = 0; done < ROUNDS; done += PARALLEL) {
    const batch = Math.min(PARALLEL, ROUNDS - done);
    await Promise.all(Array.from({ length: batch }, (_, offset) => round(done + offset)));
  }
  report.elapsedS = Math.round((performance.now() - started) / 100) / 10;
  flooding = false;
  await floodLoop;
  const info = String(await flood.info("stats"));
  report.evictedKeys = Number(/evicted_keys:(\d+)/.exec(info)?.[1] ?? 0);
  await Promise.all(backends.map((backend) => backend.close()));
  flood.disconnect();
  await server.stop();
  return report;
}

async function main(): Promise<void> {
  console.log(
    `eviction race: ${ROUNDS} rounds per policy, maxmemory 4mb, loads stall up to ${MAX_LOAD_STALL_MS} ms, ${FILLER_BYTES}-byte filler keys flooded`,
  );
  const reports: PolicyReport[] = [];
  for (const policy of POLICIES) {
    const report = await measure(policy);
    console.log(JSON.stringify(report));
    reports.push(report);
  }
  console.table(reports);
}

await main();
