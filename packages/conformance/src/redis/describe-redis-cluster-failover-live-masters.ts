/**
 * During one master's failover, writes to keys on the other masters succeed. With the default
 * `cluster-require-full-coverage yes`, every master answers `CLUSTERDOWN` from the failure
 * detection of the dead master until its replica is promoted (about 1 s here); a driver sends
 * such a refused write again within its deadline (ioredis's `retryDelayOnClusterDown`, the
 * node-redis adapter's own retry). The check kills a master that is not the seed, writes keys
 * of the two live masters every 25 ms through the backend until the replica serves, and checks
 * with a raw connection to a live master that the cluster did answer `CLUSTERDOWN` meanwhile
 * (the window the writes had to cross). A bus built on the same seed publishes all along:
 * classic pub/sub works on any node even while the cluster is down, so every publish must go
 * through a live node (node-redis 6 would send a keyless PUBLISH to the dead one in turn).
 */
import { isApiKeyCacheError, type RedisDriver, silentLogger } from "@apikey/core";
import { clusterKeySlot } from "@apikey/core/redis";
import { clusterInfo, redisCommand, splitSlots } from "@apikey/redis-test-server";
import { useRedisCluster } from "@apikey/redis-test-server/vitest";
import { afterAll, describe, expect, it } from "vitest";
import { redisTestPrefix } from "./redis-test-prefix.js";

const NODE_TIMEOUT_MS = 1_000;
/** Long enough for a write to outlast the CLUSTERDOWN window on a loaded machine. */
const COMMAND_TIMEOUT_MS = 5_000;
const VICTIM = 1;
const WRITE_EVERY_MS = 25;
/** Longest wait for the promotion (it takes about 2.5 s). */
const PROMOTION_CAP_MS = 8_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface WriteOutcome {
  readonly master: number;
  readonly failure: string | undefined;
}

function describeFailure(error: unknown): string {
  return isApiKeyCacheError(error) ? `${error.code}: ${error.message}` : `${error}`;
}

export function describeRedisClusterFailoverLiveMasters(name: string, driver: RedisDriver): void {
  describe(`${name}: writes to the live masters during another master's failover`, () => {
    const cluster = useRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: NODE_TIMEOUT_MS });
    const keyPrefix = redisTestPrefix("live-masters");
    const slotRanges = splitSlots(3);
    const masterOf = (fullKey: string): number => {
      const slot = clusterKeySlot(fullKey);
      return slotRanges.findIndex(([first, last]) => slot >= first && slot <= last);
    };
    let next = 0;
    /** A fresh cache key whose full key is on master `index`'s slots. */
    const keyOn = (index: number): string => {
      for (let attempt = 0; attempt < 10_000; attempt++) {
        const key = `live-${next++}`;
        if (masterOf(keyPrefix + key) === index) return key;
      }
      throw new Error(`no key on master ${index} in 10,000 tries`);
    };
    let close: (() => Promise<void>) | undefined;
    afterAll(async () => {
      await close?.();
    });

    it("every write to a key on a live master, and every publish, succeeds while the killed master's replica is promoted", async () => {
      const backend = driver.createBackend({
        url: cluster.seedUrl,
        keyPrefix,
        cluster: true,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        logger: silentLogger,
      });
      const live = [0, 1, 2].filter((index) => index !== VICTIM);
      // On a live master's slot, the one a driver that routes PUBLISH by channel picks.
      let channel = `${keyPrefix}bus`;
      for (let i = 0; masterOf(channel) !== live[0] && i < 10_000; i++)
        channel = `${keyPrefix}bus-${i}`;
      const bus = driver.createInvalidationBus({
        url: cluster.seedUrl,
        channel,
        cluster: true,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        logger: silentLogger,
      });
      close = async () => {
        await Promise.allSettled([backend.close(), bus.close()]);
      };
      const publish = (key: string) => bus.publish({ op: "delete", key });
      await publish("warm-up");
      // Connected: one write on each master.
      for (const index of [0, 1, 2]) {
        await backend.set(keyOn(index), { apiKey: "warm-up", active: true }, 60);
      }
      const victim = cluster.nodes[VICTIM];
      const replica = cluster.replicas.find((candidate) => candidate.masterIndex === VICTIM);
      const liveMaster = cluster.nodes[live[0] as number];
      if (victim === undefined || replica === undefined || liveMaster === undefined) {
        throw new Error("the cluster lacks the victim, its replica or a live master");
      }
      await victim.kill();
      const killedAt = performance.now();

      const writes: Promise<WriteOutcome>[] = [];
      const publishes: Promise<string | undefined>[] = [];
      let clusterDownReplies = 0;
      let promoted = false;
      while (!promoted && performance.now() - killedAt < PROMOTION_CAP_MS) {
        for (const master of live) {
          writes.push(
            backend.set(keyOn(master), { apiKey: "during-failover", active: false }, 60).then(
              () => ({ master, failure: undefined }),
              (error: unknown) => ({ master, failure: describeFailure(error) }),
            ),
          );
        }
        publishes.push(
          publish(`during-failover-${publishes.length}`).then(() => undefined, describeFailure),
        );
        // The same kind of write, raw, on a live master: does the cluster refuse it now?
        await redisCommand(liveMaster, "SET", keyPrefix + keyOn(live[0] as number), "raw").catch(
          (error: unknown) => {
            if (String(error).includes("CLUSTERDOWN")) clusterDownReplies++;
          },
        );
        const state = await clusterInfo(replica).catch(() => undefined);
        const masters = await cluster.currentMasters().catch(() => []);
        promoted =
          state?.cluster_state === "ok" && masters.some((master) => master.port === replica.port);
        await sleep(WRITE_EVERY_MS);
      }
      const promotedMs = performance.now() - killedAt;
      const outcomes = await Promise.all(writes);
      const failures = outcomes.filter((outcome) => outcome.failure !== undefined);
      const publishOutcomes = await Promise.all(publishes);
      const publishFailures = publishOutcomes.filter((failure) => failure !== undefined);
      console.log(
        `[failover] ${name}: live-master writes ${JSON.stringify({
          promotedMs: Math.round(promotedMs),
          writes: outcomes.length,
          failed: failures.length,
          clusterDownReplies,
          firstFailures: failures.slice(0, 3).map((outcome) => outcome.failure),
          publishes: publishOutcomes.length,
          publishFailed: publishFailures.length,
          firstPublishFailures: publishFailures.slice(0, 3),
        })}`,
      );
      expect(promoted).toBe(true);
      // The writes crossed the window in which every master refuses keyed commands.
      expect(clusterDownReplies).toBeGreaterThan(0);
      expect(outcomes.length).toBeGreaterThan(0);
      expect(failures.map((outcome) => outcome.failure)).toEqual([]);
      expect(publishOutcomes.length).toBeGreaterThan(0);
      expect(publishFailures).toEqual([]);
    }, 30_000);
  });
}
