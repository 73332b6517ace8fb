/**
 * Batched reads on servers without `EVALSHA_RO` and `EVAL_RO` (as on Redis 6): each started
 * with `rename-command EVALSHA_RO ""` and `rename-command EVAL_RO ""`, so the commands are
 * unknown. The batched `getWithTtl` (and, on a cluster, the cross-slot `get`) must fall back
 * to `EVALSHA` / `EVAL`, remember it (no more unknown-command errors once detected), and
 * reload the script after `SCRIPT FLUSH` (NOSCRIPT).
 */
import { type ApiKeyCacheBackend, type RedisDriver, silentLogger } from "@apikey/core";
import { clusterKeySlot } from "@apikey/core/redis";
import { redisCommand, splitSlots } from "@apikey/redis-test-server";
import { useRedisCluster, useRedisServer } from "@apikey/redis-test-server/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { countedDuring } from "./redis-command-counts.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const WITHOUT_READ_ONLY_SCRIPTS = ['rename-command EVALSHA_RO ""', 'rename-command EVAL_RO ""'];

const record = (id: number) => ({ apiKey: `ak_fallback_${id}`, active: true, version: id });

/** Errors the servers answered so far (`INFO errorstats`), summed over `nodeUrls`. */
async function errorCount(nodeUrls: readonly string[]): Promise<number> {
  let total = 0;
  for (const url of nodeUrls) {
    const reply = String(await redisCommand(url, "INFO", "errorstats"));
    for (const match of reply.matchAll(/^errorstat_[A-Z]+:count=(\d+)/gm))
      total += Number(match[1]);
  }
  return total;
}

/** Register the fallback checks for `driver` under `describe(name)`. */
export function describeRedisReadScriptFallback(name: string, driver: RedisDriver): void {
  describe(name, () => {
    const open: ApiKeyCacheBackend[] = [];
    afterEach(async () => {
      const created = open.splice(0);
      for (const store of created) await store.clear().catch(() => {});
      await Promise.all(created.map((store) => store.close()));
    });
    const backend = (
      url: string,
      cluster: boolean,
      keyPrefix = redisTestPrefix("fallback"),
    ): ApiKeyCacheBackend => {
      const created = driver.createBackend({
        url,
        cluster,
        keyPrefix,
        logger: silentLogger,
      });
      open.push(created);
      return created;
    };
    /** Read `keys` with `getWithTtl` (and `get`) in one tick; check every value. */
    const readAll = async (store: ApiKeyCacheBackend, keys: readonly string[]): Promise<void> => {
      const [withTtls, gets] = await Promise.all([
        Promise.all(keys.map((key) => store.getWithTtl?.(key))),
        Promise.all(keys.map((key) => store.get(key))),
      ]);
      const expected = keys.map((_, index) => record(index));
      expect(withTtls.map((entry) => entry?.value)).toEqual(expected);
      for (const entry of withTtls) expect(entry?.ttlMs).toBeGreaterThan(0);
      expect(gets).toEqual(expected);
    };

    describe("standalone", () => {
      const redis = useRedisServer({ spawn: true, config: WITHOUT_READ_ONLY_SCRIPTS });

      it("falls back to EVALSHA once the server does not know EVALSHA_RO, and remembers it", async () => {
        const store = backend(redis.url, false);
        const keys = Array.from({ length: 20 }, (_, index) => `k${index}`);
        await Promise.all(keys.map((key, index) => store.set(key, record(index), 60)));
        await readAll(store, keys);
        const errorsAfterDetection = await errorCount([redis.url]);
        const counts = await countedDuring([redis.url], () => readAll(store, keys));
        expect(counts).toMatchObject({ evalsha: 1, eval: 0, evalsha_ro: 0, eval_ro: 0 });
        // No unknown-command error again: the fallback was remembered.
        expect(await errorCount([redis.url])).toBe(errorsAfterDetection);
      });

      it("reloads the script with EVAL after SCRIPT FLUSH (NOSCRIPT)", async () => {
        const store = backend(redis.url, false);
        const keys = Array.from({ length: 10 }, (_, index) => `f${index}`);
        await Promise.all(keys.map((key, index) => store.set(key, record(index), 60)));
        await readAll(store, keys);
        await redisCommand(redis.url, "SCRIPT", "FLUSH");
        const counts = await countedDuring([redis.url], () => readAll(store, keys));
        expect(counts).toMatchObject({ evalsha: 1, eval: 1 });
        const again = await countedDuring([redis.url], () => readAll(store, keys));
        expect(again).toMatchObject({ evalsha: 1, eval: 0 });
      });
    });

    describe("3-master cluster", () => {
      const cluster = useRedisCluster({ masters: 3, config: WITHOUT_READ_ONLY_SCRIPTS });

      it("reads keys of many slots per master with EVALSHA and the plain cross-slot scripts", async () => {
        const prefix = redisTestPrefix("fallback");
        const store = backend(cluster.seedUrl, true, prefix);
        const keys = Array.from({ length: 30 }, (_, index) => `spread:${index}`);
        const ranges = splitSlots(cluster.urls.length);
        const masters = new Set(
          keys.map((key) => {
            const slot = clusterKeySlot(prefix + key);
            return ranges.findIndex(([first, last]) => slot >= first && slot <= last);
          }),
        );
        await Promise.all(keys.map((key, index) => store.set(key, record(index), 60)));
        await readAll(store, keys);
        const counts = await countedDuring(cluster.urls, () => readAll(store, keys));
        // One get script and one getWithTtl script per master, nothing read alone.
        expect(counts).toMatchObject({ evalsha_ro: 0, eval_ro: 0, eval: 0, mget: 0 });
        expect(counts.evalsha).toBe(2 * masters.size);
        expect(counts.get).toBe(2 * keys.length);
        await redisCommand(cluster.urls[0] as string, "SCRIPT", "FLUSH");
        await readAll(store, keys);
      });
    });
  });
}
