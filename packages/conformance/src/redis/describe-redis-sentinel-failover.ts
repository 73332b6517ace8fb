/**
 * Redis Sentinel for one driver, on a real master, replica and sentinel (`startRedisSentinelGroup`):
 * a backend built from a `redis+sentinel://` URL reads and writes the master (with
 * `revocationReplicas`, on a write connection of its own in the URL's database, closed by
 * `close()`); then, under steady
 * resolve traffic, the master is killed (SIGKILL) and the sentinel promotes the replica, with a
 * plain and with a tiered backend. Measured and checked:
 * - valid requests failed: must be 0 (while the store is down the loader answers);
 * - the time from the kill until cache hits return for good (the figures are logged);
 * - a revocation issued during the failover (retried until the store acknowledges it, as an
 *   application would) holds afterwards: the resolver, and a fresh backend (another process),
 *   read the tombstone from the new master.
 * Traffic is sequential so every call's outcome (hit, load, bypass) is read exactly from
 * `stats()`. Sizes are small and every loop is bounded by a deadline.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  createApiKeyResolver,
  encodeCachedApiKey,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  invalidationChannel,
  REVOKED_MARKER,
  type RedisDriver,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import {
  listRedisClients,
  type RedisSentinelGroupHandle,
  redisCommand,
  startRedisSentinelGroup,
} from "@apikey/redis-test-server";
import { afterEach, describe, expect, it } from "vitest";
import { redisTestPrefix } from "./redis-test-prefix.js";

const COMMAND_TIMEOUT_MS = 500;
const RESOLVE_TIMEOUT_MS = 300;
const KEY_COUNT = 40;
/** Consecutive hits after the failover that count as "hits are back". */
const STABLE_HITS = 20;
/** The whole scenario after the kill, at most. */
const SCENARIO_DEADLINE_MS = 25_000;
const REVOKE_AFTER_KILL_MS = 200;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What one failover run measured. */
export interface SentinelFailoverFigures {
  readonly driver: string;
  readonly mode: "plain" | "tiered";
  readonly requests: number;
  readonly validFailed: number;
  readonly bypasses: number;
  readonly loads: number;
  /** Kill → the sentinels name the replica. */
  readonly promotedAfterMs: number;
  /** Kill → the first of {@link STABLE_HITS} consecutive hits after the last non-hit. */
  readonly hitsBackAfterMs: number;
  readonly revokeAttempts: number;
  /** Kill → the tombstone acknowledged. */
  readonly revokeAckAfterMs: number;
  readonly revocationHeld: boolean;
  /** Longest event-loop delay from the kill to the end (`monitorEventLoopDelay`). */
  readonly loopDelayMaxMs: number;
  /** This process's CPU (user + system) from the kill to the end. */
  readonly cpuMs: number;
}

/** Ids of the master's client connections (not the one asking, nor replication links). */
async function masterClientIds(group: RedisSentinelGroupHandle): Promise<string[]> {
  return (await listRedisClients(group.master.url))
    .filter((client) => client.cmd !== "client|list" && !client.flags?.includes("S"))
    .map((client) => client.id ?? "");
}

/** Register the Sentinel checks and the failover scenario for `driver`. */
export function describeRedisSentinelFailover(name: string, driver: RedisDriver): void {
  describe(`${name}: Redis Sentinel (redis+sentinel://)`, () => {
    let group: RedisSentinelGroupHandle | undefined;
    const open: ApiKeyCacheBackend[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((backend) => backend.close()));
      await group?.stop();
      group = undefined;
    });
    const start = async (): Promise<RedisSentinelGroupHandle> => {
      group = await startRedisSentinelGroup({ downAfterMs: 500, failoverTimeoutMs: 2000 });
      return group;
    };
    const plainBackend = (url: string, keyPrefix: string): ApiKeyCacheBackend => {
      const backend = driver.createBackend({
        url,
        keyPrefix,
        logger: silentLogger,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
      });
      open.push(backend);
      return backend;
    };
    const tieredBackend = (url: string, keyPrefix: string): ApiKeyCacheBackend => {
      const backend = new TieredApiKeyCacheBackend({
        local: new InMemoryApiKeyCacheBackend(),
        remote: driver.createBackend({
          url,
          keyPrefix,
          logger: silentLogger,
          commandTimeoutMs: COMMAND_TIMEOUT_MS,
        }),
        bus: driver.createInvalidationBus({
          url,
          channel: invalidationChannel(keyPrefix),
          logger: silentLogger,
          commandTimeoutMs: COMMAND_TIMEOUT_MS,
        }),
        localTtlSeconds: 5,
        logger: silentLogger,
      });
      open.push(backend);
      return backend;
    };

    it("a redis+sentinel:// backend writes to the master the sentinels name", async () => {
      const sentinels = await start();
      const keyPrefix = redisTestPrefix("sentinel");
      const backend = plainBackend(`${sentinels.url}/2`, keyPrefix);
      const record = { apiKey: "sk_s", active: true };
      await expect
        .poll(
          () =>
            backend.set("a", record, 60).then(
              () => true,
              () => false,
            ),
          { timeout: 10_000 },
        )
        .toBe(true);
      expect(await backend.get("a")).toEqual(record);
      expect(await redisCommand(`${sentinels.master.url}/2`, "GET", `${keyPrefix}a`)).toBe(
        JSON.stringify(record),
      );
      // revocationReplicas: the write connection is a Sentinel client too, in the same database.
      const before = await masterClientIds(sentinels);
      const waiting = driver.createBackend({
        url: `${sentinels.url}/2`,
        keyPrefix,
        logger: silentLogger,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        revocationReplicas: { replicas: 1, timeoutMs: COMMAND_TIMEOUT_MS - 100 },
      });
      open.push(waiting);
      // The write connection is opened by the first revoke: it may take a few deadlines.
      await expect
        .poll(
          () =>
            waiting.set("revoked", REVOKED_MARKER as unknown as typeof record, 60).then(
              () => true,
              () => false,
            ),
          { timeout: 10_000 },
        )
        .toBe(true);
      const replica = sentinels.replicas[0];
      if (replica === undefined) throw new Error("no replica");
      expect(await redisCommand(`${replica.url}/2`, "GET", `${keyPrefix}revoked`)).toBe(
        encodeCachedApiKey(REVOKED_MARKER),
      );
      expect((await masterClientIds(sentinels)).filter((id) => !before.includes(id))).toHaveLength(
        2,
      );
      await waiting.close();
      await expect
        .poll(async () => (await masterClientIds(sentinels)).filter((id) => !before.includes(id)), {
          timeout: 3000,
        })
        .toEqual([]);
    }, 30_000);

    for (const mode of ["plain", "tiered"] as const) {
      it(`master killed under steady traffic (${mode}): 0 valid requests fail, hits return, a revocation holds`, async () => {
        const sentinels = await start();
        const keyPrefix = redisTestPrefix(`failover-${mode}`);
        const backend = (mode === "plain" ? plainBackend : tieredBackend)(sentinels.url, keyPrefix);
        const figures = await runFailover(name, mode, sentinels, backend, () =>
          plainBackend(sentinels.url, keyPrefix),
        );
        console.info(`[sentinel failover] ${JSON.stringify(figures)}`);
        expect(figures.validFailed).toBe(0);
        expect(figures.revocationHeld).toBe(true);
        expect(figures.hitsBackAfterMs).toBeLessThan(SCENARIO_DEADLINE_MS);
      }, 60_000);
    }
  });
}

async function runFailover(
  driver: string,
  mode: "plain" | "tiered",
  sentinels: RedisSentinelGroupHandle,
  backend: ApiKeyCacheBackend,
  freshBackend: () => ApiKeyCacheBackend,
): Promise<SentinelFailoverFigures> {
  const plaintexts = Array.from(
    { length: KEY_COUNT },
    (_, index) => `sk_failover_${mode}_${index}`,
  );
  const records = new Map<string, CachedApiKey>(
    plaintexts.map((key) => [hashApiKey(key), { apiKey: key.slice(0, 12), active: true }]),
  );
  const resolver = createApiKeyResolver({
    backend,
    load: async (keyHash) => records.get(keyHash),
    ttlSeconds: 300,
    timeoutMs: RESOLVE_TIMEOUT_MS,
    loadTimeoutMs: 1000,
    writeTimeoutMs: COMMAND_TIMEOUT_MS,
    logger: silentLogger,
  });
  const revoked = plaintexts[0] as string;
  const revokedHash = hashApiKey(revoked);
  const valid = plaintexts.slice(1);

  // Warm: every key cached, and hits served (the backend connected through the sentinel).
  const warmUntil = Date.now() + 15_000;
  while (Date.now() < warmUntil) {
    for (const key of plaintexts) await resolver.resolve(key);
    const before = resolver.stats().hits;
    for (const key of plaintexts) await resolver.resolve(key);
    if (resolver.stats().hits - before === plaintexts.length) break;
    await sleep(50);
  }
  expect(resolver.stats().hits).toBeGreaterThan(0);

  const oldMaster = await sentinels.currentMaster();
  let requests = 0;
  let validFailed = 0;
  let lastNonHitAt = -1;
  let stableHits = 0;
  let firstStableHitAt = -1;
  let sawOutage = false;
  let promotedAfterMs = -1;
  let revokeAttempts = 0;
  let revokeAckAfterMs = -1;

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpuAtKill = process.cpuUsage();
  const killedAt = performance.now();
  const since = (): number => performance.now() - killedAt;
  await sentinels.master.kill();
  const promotion = sentinels.waitForNewMaster(oldMaster, SCENARIO_DEADLINE_MS).then(() => {
    promotedAfterMs = since();
  });
  const revocation = (async () => {
    await sleep(REVOKE_AFTER_KILL_MS);
    // The database first, then the tombstone, retried until the store acknowledges it.
    records.set(revokedHash, { ...(records.get(revokedHash) as CachedApiKey), active: false });
    while (since() < SCENARIO_DEADLINE_MS) {
      revokeAttempts += 1;
      const acknowledged = await resolver.revoke(revokedHash).then(
        () => true,
        () => false,
      );
      if (acknowledged) {
        revokeAckAfterMs = since();
        return;
      }
      await sleep(100);
    }
  })();

  let index = 0;
  while (since() < SCENARIO_DEADLINE_MS) {
    const key = valid[index % valid.length] as string;
    index += 1;
    const before = resolver.stats();
    const result = await resolver.resolve(key).catch(() => undefined);
    const after = resolver.stats();
    requests += 1;
    if (result?.active !== true) validFailed += 1;
    if (after.hits > before.hits) {
      stableHits += 1;
      if (stableHits === 1) firstStableHitAt = since();
    } else {
      sawOutage = true;
      stableHits = 0;
      lastNonHitAt = since();
    }
    const done = promotedAfterMs >= 0 && revokeAckAfterMs >= 0 && stableHits >= STABLE_HITS;
    if (done && (sawOutage || since() > 3000)) break;
    await sleep(2);
  }
  await Promise.all([promotion.catch(() => {}), revocation]);
  const cpu = process.cpuUsage(cpuAtKill);
  loopDelay.disable();

  // The revocation holds: through this resolver, and read back from the new master.
  const result = await resolver.resolve(revoked);
  const fresh = freshBackend();
  let stored: CachedApiKey | undefined;
  for (let attempt = 0; attempt < 50 && stored === undefined; attempt += 1) {
    stored = await fresh.get(revokedHash).catch(() => undefined);
    if (stored === undefined) await sleep(100);
  }
  const stats = resolver.stats();
  return {
    driver,
    mode,
    requests,
    validFailed,
    bypasses: stats.bypasses,
    loads: stats.loads,
    promotedAfterMs: Math.round(promotedAfterMs),
    hitsBackAfterMs: Math.round(lastNonHitAt < 0 ? 0 : firstStableHitAt),
    revokeAttempts,
    revokeAckAfterMs: Math.round(revokeAckAfterMs),
    revocationHeld:
      result !== undefined &&
      result.active === false &&
      stored !== undefined &&
      stored.active === false,
    loopDelayMaxMs: Math.round(loopDelay.max / 1e6),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  };
}
