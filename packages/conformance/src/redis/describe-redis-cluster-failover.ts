/**
 * Cluster failover for one driver, against 3 masters + 3 replicas with a short
 * `cluster-node-timeout`: two application processes (tiered backend + resolver, built from
 * the seed URL) under steady resolve traffic while a master is killed, first the seed's, then
 * another. Checked and reported per kill: no valid request fails (the loader answers), how
 * long until the dead master's slots give cache hits again and L1 is back in both processes,
 * that a revoke whose tombstone was acknowledged always resolved and one that resolved always
 * left its tombstone, how many tombstones acknowledged just before the kill survived the
 * promotion (the failover window), that the bus still delivers (a revoke on A drops B's L1
 * copy), and that `clear()` reaches every master afterwards.
 */
import {
  type ApiKeyCacheBackend,
  createApiKeyResolver,
  hashApiKey,
  isApiKeyCacheError,
  type RedisDriver,
  silentLogger,
} from "@apikey/core";
import { clusterKeySlot } from "@apikey/core/redis";
import { type RedisClusterHandle, redisCommand, splitSlots } from "@apikey/redis-test-server";
import { useRedisCluster } from "@apikey/redis-test-server/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FailoverDatabase,
  type FailoverProcess,
  runTraffic,
  startFailoverProcess,
} from "./cluster-failover-process.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const COMMAND_TIMEOUT_MS = 500;
const NODE_TIMEOUT_MS = 1_000;
/** Revokes acknowledged right before (half) and as (half) each master is killed. */
const REVOKES_BEFORE_KILL = 100;
const RECOVERY_CAP_MS = 20_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `condition` every 20 ms until true or `capMs`; resolves to whether it held. */
async function until(condition: () => boolean | Promise<boolean>, capMs: number) {
  const endAt = performance.now() + capMs;
  for (;;) {
    if (await condition()) return true;
    if (performance.now() >= endAt) return false;
    await sleep(20);
  }
}

interface RevokeOutcome {
  readonly hash: string;
  readonly onVictim: boolean;
  readonly resolved: boolean;
  readonly code: string | undefined;
  readonly message: string | undefined;
  /** When it settled, in ms after the kill. */
  readonly at: number;
}

/** Every key under `prefix` on the nodes that serve slots now. */
async function keysOnEveryMaster(cluster: RedisClusterHandle, prefix: string): Promise<number> {
  let count = 0;
  for (const master of await cluster.currentMasters()) {
    let cursor = "0";
    for (let page = 0; page < 1_000; page++) {
      const [next, keys] = (await redisCommand(
        master,
        "SCAN",
        cursor,
        "MATCH",
        `${prefix}*`,
        "COUNT",
        "1000",
      )) as [string, string[]];
      count += keys.length;
      cursor = next;
      if (cursor === "0") break;
    }
  }
  return count;
}

/** Register the failover checks of `driver` (a cluster of its own, started once). */
export function describeRedisClusterFailover(name: string, driver: RedisDriver): void {
  describe(`${name}: failover of a 3-master + 3-replica cluster`, () => {
    const cluster = useRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: NODE_TIMEOUT_MS });
    const keyPrefix = redisTestPrefix("failover");
    const database = new FailoverDatabase();
    const processes: FailoverProcess[] = [];
    let a: FailoverProcess;
    let b: FailoverProcess;
    /** A third process without L1: the probe that tells when L2 hits return. */
    let probeBackend: ApiKeyCacheBackend;
    const slotRanges = splitSlots(3);
    const onMaster = (hash: string, index: number): boolean => {
      const slot = clusterKeySlot(`${keyPrefix}${hash}`);
      const [first, last] = slotRanges[index] ?? [0, -1];
      return slot >= first && slot <= last;
    };
    const validKeys = Array.from({ length: 60 }, (_, i) => `sk_failover_valid_${i}`);
    let fresh = 0;
    const freshKey = (index?: number): { plaintext: string; hash: string } => {
      for (let attempt = 0; attempt < 10_000; attempt++) {
        const plaintext = `sk_failover_revoked_${fresh++}`;
        const hash = database.add(plaintext);
        if (index === undefined || onMaster(hash, index)) return { plaintext, hash };
      }
      throw new Error("no key on that master in 10,000 tries");
    };

    beforeAll(() => {
      for (const key of validKeys) database.add(key);
      const options = {
        driver,
        seedUrl: cluster.seedUrl,
        keyPrefix,
        database,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        localTtlSeconds: 5,
      };
      a = startFailoverProcess(options);
      b = startFailoverProcess(options);
      processes.push(a, b);
      probeBackend = driver.createBackend({
        url: cluster.seedUrl,
        keyPrefix,
        cluster: true,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        logger: silentLogger,
      });
    });
    afterAll(async () => {
      await Promise.all([...processes.map((p) => p.close()), probeBackend?.close()]);
    });

    const tombstoneIn = async (hash: string): Promise<boolean> => {
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          const entry = await probeBackend.get(hash);
          return entry !== undefined && entry.active === false && entry.state === "revoked";
        } catch {
          await sleep(100);
        }
      }
      throw new Error(`L2 did not answer for ${hash}`);
    };

    const failover = async (victimIndex: number, label: string) => {
      expect(await until(() => a.tiered.l1Enabled && b.tiered.l1Enabled, 15_000)).toBe(true);
      const victimKey = validKeys.find((key) => onMaster(hashApiKey(key), victimIndex));
      if (victimKey === undefined) throw new Error("no valid key on the victim");
      const probe = createApiKeyResolver({
        backend: probeBackend,
        load: (hash) => database.load(hash),
        timeoutMs: COMMAND_TIMEOUT_MS,
        logger: silentLogger,
      });
      for (const key of validKeys) {
        await a.resolver.resolve(key);
        await b.resolver.resolve(key);
      }
      await probe.resolve(victimKey);
      const trafficA = runTraffic(a, validKeys, 4, 60_000);
      const trafficB = runTraffic(b, validKeys, 4, 60_000);

      // The failover window: tombstones acknowledged by the victim right before it dies. Half
      // are acknowledged well before the kill; the other half are in flight, and the victim is
      // killed as soon as the first of them is acknowledged.
      const victim = cluster.nodes[victimIndex];
      if (victim === undefined) throw new Error("no such master");
      const settledEarly = Array.from({ length: REVOKES_BEFORE_KILL / 2 }, () =>
        freshKey(victimIndex),
      );
      await Promise.all(
        settledEarly.map(async ({ hash }) => {
          database.revoke(hash);
          await a.resolver.revoke(hash);
        }),
      );
      const inFlight = Array.from({ length: REVOKES_BEFORE_KILL / 2 }, () => freshKey(victimIndex));
      const ackedInFlight: string[] = [];
      let killed = false;
      const inFlightRevokes = Promise.allSettled(
        inFlight.map(async ({ hash }) => {
          database.revoke(hash);
          await a.resolver.revoke(hash);
          ackedInFlight.push(hash);
          if (!killed) {
            killed = true;
            victim.kill();
          }
        }),
      );
      await until(() => killed, 5_000);
      if (!killed) victim.kill();
      const killedAt = performance.now();

      // Revokes all through the failover, one every 50 ms, on any master.
      const revokes: RevokeOutcome[] = [];
      let revoking = true;
      const revokeLoop = (async () => {
        while (revoking && performance.now() - killedAt < RECOVERY_CAP_MS) {
          const { hash } = freshKey();
          database.revoke(hash);
          const onVictim = onMaster(hash, victimIndex);
          try {
            await a.resolver.revoke(hash);
            revokes.push({
              hash,
              onVictim,
              resolved: true,
              code: undefined,
              message: undefined,
              at: performance.now() - killedAt,
            });
          } catch (error) {
            const code = isApiKeyCacheError(error) ? error.code : String(error);
            const message = error instanceof Error ? error.message : String(error);
            revokes.push({
              hash,
              onVictim,
              resolved: false,
              code,
              message,
              at: performance.now() - killedAt,
            });
          }
          await sleep(50);
        }
      })();

      // Hits return: the probe's read of a key on the victim's slots is a cache hit again.
      let hitsBackMs: number | undefined;
      const hitsBack = until(async () => {
        const before = probe.stats().hits;
        await probe.resolve(victimKey);
        if (probe.stats().hits > before) hitsBackMs ??= performance.now() - killedAt;
        return hitsBackMs !== undefined;
      }, RECOVERY_CAP_MS);
      await cluster.waitUntilHealthy(RECOVERY_CAP_MS);
      const promotedMs = performance.now() - killedAt;
      const l1BackMs: Record<string, number | undefined> = {};
      await Promise.all(
        [
          ["A", a],
          ["B", b],
        ].map(async ([id, process]) => {
          const p = process as FailoverProcess;
          // L1 goes off when the bus loses its link (or a publish fails); wait for it to return.
          if (await until(() => p.tiered.l1Enabled, RECOVERY_CAP_MS)) {
            l1BackMs[id as string] = performance.now() - killedAt;
          }
        }),
      );
      expect(await hitsBack).toBe(true);
      await sleep(500);
      revoking = false;
      await revokeLoop;
      const [reportA, reportB] = await Promise.all([trafficA.stop(), trafficB.stop()]);

      await inFlightRevokes;
      let survivedEarly = 0;
      for (const { hash } of settledEarly) if (await tombstoneIn(hash)) survivedEarly++;
      let survivedInFlight = 0;
      for (const hash of ackedInFlight) if (await tombstoneIn(hash)) survivedInFlight++;
      let resolvedWithoutTombstone = 0;
      let rejectedButWritten = 0;
      for (const outcome of revokes) {
        const present = await tombstoneIn(outcome.hash);
        if (outcome.resolved && !present) resolvedWithoutTombstone++;
        if (!outcome.resolved && present) rejectedButWritten++;
      }
      const rejectedOnLiveMasters = revokes.filter((r) => !r.resolved && !r.onVictim).length;

      // The bus still delivers: a revoke on A drops B's L1 copy.
      const busKey = freshKey();
      expect((await b.resolver.resolve(busKey.plaintext))?.active).toBe(true);
      const filled = await until(
        async () =>
          (await b.resolver.resolve(busKey.plaintext)) !== undefined &&
          (await b.local.get(busKey.hash)) !== undefined,
        5_000,
      );
      expect(filled, "B fills its L1 again after the failover").toBe(true);
      database.revoke(busKey.hash);
      await a.resolver.revoke(busKey.hash);
      const busStartedAt = performance.now();
      const dropped = await until(
        async () => (await b.local.get(busKey.hash)) === undefined,
        3_000,
      );
      const busDeliveryMs = performance.now() - busStartedAt;
      expect(dropped, "A's revoke reaches B's L1 through the bus").toBe(true);
      expect((await b.resolver.resolve(busKey.plaintext))?.active).toBe(false);

      const figures = {
        killed: label,
        requests: reportA.requests + reportB.requests,
        validRequestsFailed: reportA.failed + reportB.failed,
        promotedMs: Math.round(promotedMs),
        hitsBackMs: hitsBackMs === undefined ? undefined : Math.round(hitsBackMs),
        l1BackMs: Object.fromEntries(
          Object.entries(l1BackMs).map(([id, ms]) => [id, ms === undefined ? ms : Math.round(ms)]),
        ),
        tombstonesAckedBeforeKill: settledEarly.length,
        ofThemSurvived: survivedEarly,
        tombstonesAckedAsKilled: ackedInFlight.length,
        ofThemSurvivedAsKilled: survivedInFlight,
        revokesDuringFailover: revokes.length,
        revokesRejected: revokes.filter((r) => !r.resolved).length,
        rejectedCodes: [...new Set(revokes.flatMap((r) => (r.code === undefined ? [] : [r.code])))],
        rejectedOnLiveMasters,
        firstRejections: revokes
          .filter((r) => !r.resolved)
          .slice(0, 3)
          .map((r) => `${r.onVictim ? "victim" : "live"} @${Math.round(r.at)}ms: ${r.message}`),
        lastRejectionMs: Math.round(revokes.filter((r) => !r.resolved).at(-1)?.at ?? 0),
        resolvedWithoutTombstone,
        rejectedButWritten,
        busDeliveryMs: Math.round(busDeliveryMs),
        publishFailures: { A: a.tiered.publishFailures, B: b.tiered.publishFailures },
      };
      console.log(`[failover] ${name}: ${JSON.stringify(figures)}`);
      expect(reportA.firstFailure ?? reportB.firstFailure).toBeUndefined();
      expect(figures.validRequestsFailed).toBe(0);
      expect(l1BackMs.A).toBeDefined();
      expect(l1BackMs.B).toBeDefined();
      // A revoke that resolved left its tombstone (promotion included, for those after it).
      expect(resolvedWithoutTombstone).toBe(0);
      // Revokes fail only while the victim's slots are unserved (and, with the default
      // cluster-require-full-coverage, while the whole cluster reports CLUSTERDOWN between
      // the failure detection and the promotion), never because of the bus: none after.
      // Recovered: promoted, and the client serves the victim's slots again (the failover
      // speed check measures how soon each driver finds the promoted replica). A revoke
      // settles within its write deadline (2 × the command deadline), plus a margin for a
      // loaded machine.
      const recoveredMs = Math.max(promotedMs, hitsBackMs ?? RECOVERY_CAP_MS);
      for (const rejected of revokes.filter((r) => !r.resolved)) {
        expect(rejected.code).toBe("E_BACKEND_UNAVAILABLE");
        expect(rejected.at).toBeLessThan(recoveredMs + 2 * COMMAND_TIMEOUT_MS + 1_000);
      }
      expect(revokes.at(-1)?.resolved).toBe(true);
    };

    it("killing the seed's master under steady traffic: no valid request fails, hits and L1 return, revokes hold", async () => {
      await failover(0, "the seed's master");
    }, 60_000);

    it("then killing another master: the same, and clear() reaches every master afterwards", async () => {
      await failover(1, "another master");
      for (let i = 0; i < 30; i++) {
        await a.tiered.set(`clear-check-${i}`, { apiKey: `k${i}`, active: true }, 60);
      }
      expect(await keysOnEveryMaster(cluster, keyPrefix)).toBeGreaterThanOrEqual(30);
      await a.tiered.clear();
      expect(await keysOnEveryMaster(cluster, keyPrefix)).toBe(0);
    }, 60_000);
  });
}
