/**
 * Batched reads grouped per master on a 3-master cluster of their own (they move a slot, so no
 * other check shares it): keys of many slots read in one tick come back right when the
 * client's slot map is stale. A slot is moved from one master to another behind the client's
 * back, first left half-way (MIGRATING/IMPORTING, its keys already on the target: the source
 * answers ASK), then finished (the source answers MOVED); the batch of the old master still
 * holds that slot's keys, and each of them must be read again alone and redirected, never
 * answered as a miss. Also: a key of another type in a cross-slot batch is a miss for that key
 * alone, and a read issued after a write never returns the value from before it.
 */
import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  type RedisDriver,
  silentLogger,
} from "@apikey/core";
import { clusterKeySlot } from "@apikey/core/redis";
import { type RedisClusterHandle, redisCommand, splitSlots } from "@apikey/redis-test-server";
import { useRedisCluster } from "@apikey/redis-test-server/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { recordingLogger } from "./recording-logger.js";
import { countedDuring, keyCommand } from "./redis-command-counts.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const record = (id: number, version: number): CachedApiKey & { version: number } => ({
  apiKey: `ak_cluster_batch_${id}`,
  active: true,
  version,
});

/** A hash tag whose slot (under `prefix`) is served by master `index` of `ranges`. */
function tagOnMaster(prefix: string, ranges: Array<[number, number]>, index: number): string {
  const [first, last] = ranges[index] as [number, number];
  for (let i = 0; i < 10_000; i++) {
    const slot = clusterKeySlot(`${prefix}{m${i}}:0`);
    if (slot >= first && slot <= last) return `m${i}`;
  }
  throw new Error(`no hash tag found for master ${index}`);
}

/** Cache keys (under `prefix`) of distinct slots all served by master `index`. */
function spreadOnMaster(
  prefix: string,
  ranges: Array<[number, number]>,
  index: number,
  count: number,
): string[] {
  const [first, last] = ranges[index] as [number, number];
  const keys: string[] = [];
  const slots = new Set<number>();
  for (let i = 0; keys.length < count && i < 100_000; i++) {
    const slot = clusterKeySlot(`${prefix}spread:${i}`);
    if (slot < first || slot > last || slots.has(slot)) continue;
    slots.add(slot);
    keys.push(`spread:${i}`);
  }
  return keys;
}

/** Start moving `slot` from master `from` to `to` and copy its keys: both nodes in the middle state. */
async function beginSlotMove(
  cluster: RedisClusterHandle,
  slot: number,
  from: number,
  to: number,
): Promise<void> {
  const source = cluster.nodes[from];
  const target = cluster.nodes[to];
  if (source === undefined || target === undefined) throw new Error("no such master");
  const sourceId = String(await redisCommand(source.url, "CLUSTER", "MYID"));
  const targetId = String(await redisCommand(target.url, "CLUSTER", "MYID"));
  await redisCommand(target.url, "CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceId);
  await redisCommand(source.url, "CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetId);
  const keys = (await redisCommand(
    source.url,
    "CLUSTER",
    "GETKEYSINSLOT",
    String(slot),
    "1000",
  )) as string[];
  if (keys.length === 0) throw new Error(`slot ${slot} has no keys to move`);
  await redisCommand(
    source.url,
    "MIGRATE",
    "127.0.0.1",
    String(target.port),
    "",
    "0",
    "5000",
    "KEYS",
    ...keys,
  );
}

/** Finish the move of {@link beginSlotMove}: every master assigns `slot` to `to`. */
async function finishSlotMove(
  cluster: RedisClusterHandle,
  slot: number,
  to: number,
): Promise<void> {
  const target = cluster.nodes[to];
  if (target === undefined) throw new Error("no such master");
  const targetId = String(await redisCommand(target.url, "CLUSTER", "MYID"));
  // The target first, then the others (the order redis-cli --cluster reshard uses).
  const ordered = [target, ...cluster.nodes.filter((node) => node !== target)];
  for (const node of ordered) {
    await redisCommand(node.url, "CLUSTER", "SETSLOT", String(slot), "NODE", targetId);
  }
}

/** Register the per-master batching checks for `driver` under `describe(name)`. */
export function describeRedisClusterReadBatching(name: string, driver: RedisDriver): void {
  describe(name, () => {
    const cluster = useRedisCluster({ masters: 3 });
    const open: ApiKeyCacheBackend[] = [];
    const backend = (keyPrefix: string, logger = silentLogger): ApiKeyCacheBackend => {
      const created = driver.createBackend({
        url: cluster.seedUrl,
        cluster: true,
        keyPrefix,
        logger,
        commandTimeoutMs: 2_000,
      });
      open.push(created);
      return created;
    };
    afterEach(async () => {
      const created = open.splice(0);
      for (const store of created) await store.clear().catch(() => {});
      await Promise.all(created.map((store) => store.close()));
    });
    const fill = async (store: ApiKeyCacheBackend, keys: readonly string[]): Promise<void> => {
      await Promise.all(keys.map((key, index) => store.set(key, record(index, 1), 60)));
    };

    it("reads the keys of a slot moved behind the client's back right, half-way (ASK) and done (MOVED)", async () => {
      const prefix = redisTestPrefix("move");
      const store = backend(prefix);
      const ranges = splitSlots(cluster.nodes.length);
      const tag = tagOnMaster(prefix, ranges, 0);
      const moving = Array.from({ length: 4 }, (_, index) => `{${tag}}:${index}`);
      const staying = spreadOnMaster(prefix, ranges, 0, 12);
      const elsewhere = spreadOnMaster(prefix, ranges, 1, 6);
      const keys = [...staying.slice(0, 6), ...moving, ...staying.slice(6), ...elsewhere];
      await fill(store, keys);
      const expected = keys.map((_, index) => record(index, 1));
      // The client learns the slot map (and the scripts get cached) before the move.
      expect(await Promise.all(keys.map((key) => store.get(key)))).toEqual(expected);
      const slot = clusterKeySlot(`${prefix}${moving[0]}`);
      const readAll = async (): Promise<void> => {
        const [gets, withTtls] = await Promise.all([
          Promise.all(keys.map((key) => store.get(key))),
          Promise.all(keys.map((key) => store.getWithTtl?.(key))),
        ]);
        expect(gets).toEqual(expected);
        expect(withTtls.map((entry) => entry?.value)).toEqual(expected);
        for (const entry of withTtls) expect(entry?.ttlMs).toBeGreaterThan(0);
      };

      await beginSlotMove(cluster, slot, 0, 1);
      // Half-way: master 0 still owns the slot but no longer holds its keys (ASK).
      const halfway = await countedDuring(cluster.urls, readAll);
      // The moved keys were read again alone, and redirected to the target (ASKING first).
      expect(halfway.asking).toBeGreaterThanOrEqual(moving.length);

      await finishSlotMove(cluster, slot, 1);
      // Done: master 0 answers MOVED for the slot, which the client may not know yet.
      await readAll();
      // And once more, whatever the client learnt from the redirects.
      await readAll();
    });

    it("reads a key of another type in a cross-slot batch as a miss for that key alone, and removes it", async () => {
      const prefix = redisTestPrefix("cross");
      const logger = recordingLogger();
      const store = backend(prefix, logger);
      const ranges = splitSlots(cluster.nodes.length);
      const [good0, good1, good2, hash, garbage, missing] = spreadOnMaster(prefix, ranges, 2, 6);
      const good = [good0, good1, good2] as string[];
      await fill(store, good);
      const hashKey = `${prefix}${hash}`;
      const garbageKey = `${prefix}${garbage}`;
      await keyCommand(cluster.urls, hashKey, "HSET", hashKey, "field", "value");
      await keyCommand(
        cluster.urls,
        garbageKey,
        "SET",
        garbageKey,
        "not json sk_live_x",
        "PX",
        "60000",
      );
      const keys = [good0, hash, good1, garbage, missing, good2] as string[];
      const expected = [record(0, 1), undefined, record(1, 1), undefined, undefined, record(2, 1)];
      const [gets, withTtls] = await Promise.all([
        Promise.all(keys.map((key) => store.get(key))),
        Promise.all(keys.map((key) => store.getWithTtl?.(key))),
      ]);
      expect(gets).toEqual(expected);
      expect(withTtls.map((entry) => entry?.value)).toEqual(expected);
      const exists = (key: string): Promise<unknown> =>
        keyCommand(cluster.urls, key, "EXISTS", key);
      await expect.poll(() => exists(hashKey), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => exists(garbageKey), { timeout: 10_000 }).toBe(0);
      const warnings = logger.at("warn");
      expect(
        warnings.some((line) => line.includes(String(hash)) && line.includes("WRONGTYPE")),
      ).toBe(true);
      expect(logger.lines.join("\n")).not.toContain("sk_live_x");
    });

    it("never returns the value from before a write issued earlier, keys of many slots", async () => {
      const prefix = redisTestPrefix("order");
      const store = backend(prefix);
      const keys = Array.from({ length: 60 }, (_, index) => `order:${index}`);
      for (let round = 1; round <= 5; round++) {
        await fill(store, keys);
        const after: Promise<unknown>[] = [];
        const writes: Promise<unknown>[] = [];
        keys.forEach((key, index) => {
          if (index % 3 === 2) writes.push(store.delete(key));
          else writes.push(store.set(key, record(index, round + 1), 60));
          after.push(
            index % 2 === 0
              ? store.get(key)
              : (store.getWithTtl?.(key).then((entry) => entry?.value) ?? store.get(key)),
          );
        });
        const [seen] = await Promise.all([Promise.all(after), Promise.all(writes)]);
        keys.forEach((_, index) => {
          const written = index % 3 === 2 ? undefined : record(index, round + 1);
          expect(seen[index], `key ${index}, round ${round}`).toEqual(written);
        });
      }
    });
  });
}
