/**
 * Batched reads of a driver's backend, on a real server or cluster, counted in the server's
 * `INFO commandstats`: the `get`s of one tick leave as one `MGET` per batch (on a cluster,
 * one per master: an `MGET` when the keys share a slot, else one cross-slot script), `getWithTtl`s as one read-only script, bounded by `maxReadBatchSize`; `batchReads: false`
 * sends one command per call. Each caller gets a frozen value no other can change and, for an undecodable or
 * other-typed entry, a miss for that key alone (the entry is removed as by a lone read). And
 * the ordering promise: a read issued after a write, in the same tick or before the client is
 * even ready, never returns the value from before the write.
 */
import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  isApiKeyCacheError,
  type RedisDriver,
  type RedisDriverBackendOptions,
  silentLogger,
} from "@apikey/core";
import { clusterKeySlot } from "@apikey/core/redis";
import { redisCommand, splitSlots } from "@apikey/redis-test-server";
import { afterEach, describe, expect, it } from "vitest";
import { recordingLogger } from "./recording-logger.js";
import { countedDuring, keyCommand } from "./redis-command-counts.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

/** Where the backends connect, read once tests run. */
export interface RedisReadBatchingTarget {
  readonly url: string;
  readonly cluster: boolean;
  /** Every master (the server itself when standalone): commands are counted on all of them. */
  readonly nodeUrls: readonly string[];
}

/** Options of {@link describeRedisReadBatching}. */
export interface RedisReadBatchingOptions {
  /** SIGSTOP and SIGCONT the server: enables the deadline check (standalone only). */
  readonly pause?: () => void;
  readonly resume?: () => void;
}

const record = (id: number, version: number): CachedApiKey & { version: number } => ({
  apiKey: `ak_batch_${id}`,
  active: true,
  version,
});

/**
 * Register the read batching checks for `driver` under `describe(name)`. On a cluster the keys
 * of one batch share a hash tag (one slot), except in the check that spreads them on purpose.
 */
export function describeRedisReadBatching(
  name: string,
  driver: RedisDriver,
  target: () => RedisReadBatchingTarget,
  options: RedisReadBatchingOptions = {},
): void {
  describe(name, () => {
    const open: ApiKeyCacheBackend[] = [];
    const backend = (
      extra: Partial<RedisDriverBackendOptions> = {},
      keyPrefix = redisTestPrefix("batch"),
    ): ApiKeyCacheBackend => {
      const { url, cluster } = target();
      const created = driver.createBackend({
        url,
        cluster,
        keyPrefix,
        logger: silentLogger,
        ...extra,
      });
      open.push(created);
      return created;
    };
    afterEach(async () => {
      const created = open.splice(0);
      for (const store of created) await store.clear().catch(() => {});
      await Promise.all(created.map((store) => store.close()));
    });
    /** `count` cache keys in one slot (hash tag `tag`). */
    const keysIn = (tag: string, count: number): string[] =>
      Array.from({ length: count }, (_, index) => `{${tag}}:${index}`);
    const fill = async (store: ApiKeyCacheBackend, keys: readonly string[]): Promise<void> => {
      await Promise.all(keys.map((key, index) => store.set(key, record(index, 1), 60)));
    };

    it("refuses bad batching options with E_CONFIG naming the option", () => {
      const { url, cluster } = target();
      const bad: Partial<RedisDriverBackendOptions>[] = [
        { batchReads: "yes" as unknown as boolean },
        { maxReadBatchSize: 0 },
        { maxReadBatchSize: 2.5 },
        { maxReadBatchSize: 10_001 },
      ];
      for (const extra of bad) {
        const option = Object.keys(extra)[0] as string;
        expect(() =>
          driver.createBackend({ url, cluster, logger: silentLogger, ...extra }),
        ).toThrow(
          expect.objectContaining({ code: "E_CONFIG", message: expect.stringContaining(option) }),
        );
      }
    });

    it("sends the gets of one tick as one MGET", async () => {
      const store = backend();
      const keys = keysIn("one", 50);
      await fill(store, keys);
      const nodes = target().nodeUrls;
      let read: unknown[] = [];
      const counts = await countedDuring(nodes, async () => {
        read = await Promise.all(keys.map((key) => store.get(key)));
      });
      expect(read).toEqual(keys.map((_, index) => record(index, 1)));
      expect(counts.mget).toBe(1);
      expect(counts.get).toBe(0);
    });

    it("sends a lone get as a plain GET", async () => {
      const store = backend();
      await store.set("lone", record(0, 1), 60);
      const counts = await countedDuring(target().nodeUrls, async () => {
        expect(await store.get("lone")).toEqual(record(0, 1));
      });
      expect(counts).toMatchObject({ get: 1, mget: 0 });
    });

    it("cuts batches at maxReadBatchSize", async () => {
      const store = backend({ maxReadBatchSize: 8 });
      const keys = keysIn("bounded", 20);
      await fill(store, keys);
      let read: unknown[] = [];
      const counts = await countedDuring(target().nodeUrls, async () => {
        read = await Promise.all(keys.map((key) => store.get(key)));
      });
      expect(read).toEqual(keys.map((_, index) => record(index, 1)));
      // 8 + 8 + 4
      expect(counts).toMatchObject({ mget: 3, get: 0 });
    });

    it("sends one GET per call with batchReads: false", async () => {
      const store = backend({ batchReads: false });
      const keys = keysIn("off", 20);
      await fill(store, keys);
      let read: unknown[] = [];
      const counts = await countedDuring(target().nodeUrls, async () => {
        read = await Promise.all(keys.map((key) => store.get(key)));
      });
      expect(read).toEqual(keys.map((_, index) => record(index, 1)));
      expect(counts).toMatchObject({ mget: 0, get: 20 });
    });

    it("groups the gets of one tick per master on a cluster, one command each", async () => {
      const prefix = redisTestPrefix("batch");
      const store = backend({}, prefix);
      // Keys without a common tag land on many slots, two tags on two more: on a cluster, one
      // cross-slot script per master (3), whatever the slots; standalone, one MGET.
      const spread = Array.from({ length: 30 }, (_, index) => `spread:${index}`);
      const tagged = [...keysIn("a", 10), ...keysIn("b", 10)];
      const keys = [...spread, ...tagged];
      await fill(store, keys);
      const nodes = target().nodeUrls;
      // A first tick caches the script on every master (NOSCRIPT, then EVAL_RO).
      await Promise.all(keys.map((key) => store.get(key)));
      let read: unknown[] = [];
      const counts = await countedDuring(nodes, async () => {
        read = await Promise.all(keys.map((key) => store.get(key)));
      });
      expect(read).toEqual(keys.map((_, index) => record(index, 1)));
      if (target().cluster) {
        // Masters in slot order (no failover on this cluster): which of them hold keys.
        const ranges = splitSlots(nodes.length);
        const masters = new Set(
          keys.map((key) => {
            const slot = clusterKeySlot(prefix + key);
            return ranges.findIndex(([first, last]) => slot >= first && slot <= last);
          }),
        );
        expect(counts).toMatchObject({ mget: 0, eval_ro: 0, evalsha_ro: masters.size });
        // The scripts' own GETs: one per key, none read again alone.
        expect(counts.get).toBe(keys.length);
      } else {
        expect(counts).toMatchObject({ mget: 1, get: 0 });
      }
    });

    it("answers the getWithTtls of one tick with one script: -1 as Infinity, a missing key as a miss", async () => {
      const prefix = redisTestPrefix("batch");
      const store = backend({}, prefix);
      const keys = keysIn("ttl", 10);
      await fill(store, keys);
      const forever = "{ttl}:forever";
      const nodes = target().nodeUrls;
      const foreverKey = `${prefix}${forever}`;
      await keyCommand(nodes, foreverKey, "SET", foreverKey, JSON.stringify(record(99, 1)));
      const withTtl = store.getWithTtl?.bind(store);
      expect(withTtl).toBeDefined();
      if (withTtl === undefined) return;
      let read: unknown[] = [];
      const counts = await countedDuring(nodes, async () => {
        read = await Promise.all([...keys, forever, "{ttl}:missing"].map((key) => withTtl(key)));
      });
      keys.forEach((_, index) => {
        const entry = read[index] as { value: unknown; ttlMs: number };
        expect(entry.value).toEqual(record(index, 1));
        expect(entry.ttlMs).toBeGreaterThan(0);
        expect(entry.ttlMs).toBeLessThanOrEqual(60_000);
      });
      expect(read[keys.length]).toEqual({
        value: record(99, 1),
        ttlMs: Number.POSITIVE_INFINITY,
      });
      expect(read[keys.length + 1]).toBeUndefined();
      // EVALSHA_RO, plus one EVAL_RO if this node did not have the script cached yet; the GETs
      // and PTTLs the server counts are the script's own.
      expect(counts.evalsha_ro).toBe(1);
      expect(counts.eval_ro).toBeLessThanOrEqual(1);
      expect(counts.mget).toBe(0);
    });

    it("reloads the script after SCRIPT FLUSH", async () => {
      const store = backend();
      const keys = keysIn("flush", 5);
      await fill(store, keys);
      for (const url of target().nodeUrls) await redisCommand(url, "SCRIPT", "FLUSH");
      const read = await Promise.all(keys.map((key) => store.getWithTtl?.(key)));
      expect(read.map((entry) => entry?.value)).toEqual(keys.map((_, index) => record(index, 1)));
    });

    it("reads an undecodable or other-typed entry in a batch as a miss for that key alone, and removes it", async () => {
      const prefix = redisTestPrefix("batch");
      const logger = recordingLogger();
      const store = backend({ logger }, prefix);
      const nodes = target().nodeUrls;
      const good = keysIn("bad", 4);
      await fill(store, good);
      const garbage = "{bad}:garbage";
      const hash = "{bad}:hash";
      const secret = "not json sk_live_batched_secret";
      await keyCommand(nodes, prefix + garbage, "SET", prefix + garbage, secret, "PX", "60000");
      await keyCommand(nodes, prefix + hash, "HSET", prefix + hash, "field", "value");
      const keys = [good[0], garbage, good[1], hash, "{bad}:missing", good[2]] as string[];
      const expected = [record(0, 1), undefined, record(1, 1), undefined, undefined, record(2, 1)];
      const [gets, withTtls] = await Promise.all([
        Promise.all(keys.map((key) => store.get(key))),
        Promise.all(keys.map((key) => store.getWithTtl?.(key))),
      ]);
      expect(gets).toEqual(expected);
      expect(withTtls.map((entry) => entry?.value)).toEqual(expected);
      const exists = (key: string): Promise<unknown> =>
        keyCommand(nodes, prefix + key, "EXISTS", prefix + key);
      await expect.poll(() => exists(garbage), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => exists(hash), { timeout: 10_000 }).toBe(0);
      expect(await store.get(good[3] as string)).toEqual(record(3, 1));
      const warnings = logger.at("warn");
      expect(warnings.some((line) => line.includes(garbage))).toBe(true);
      expect(warnings.some((line) => line.includes(hash) && line.includes("WRONGTYPE"))).toBe(true);
      expect(logger.lines.join("\n")).not.toContain("sk_live_batched_secret");
    });

    it("hands every caller of a batch a value no other caller can change", async () => {
      const store = backend();
      await store.set("{copy}:k", record(1, 1), 60);
      const values = await Promise.all([
        store.get("{copy}:k"),
        store.get("{copy}:k"),
        store.getWithTtl?.("{copy}:k").then((entry) => entry?.value),
      ]);
      for (const value of values) {
        expect(value).toEqual(record(1, 1));
        // Deep-frozen (the protocol's contract): a write throws in strict mode, and none lands.
        expect(Object.isFrozen(value)).toBe(true);
        expect(() => {
          (value as unknown as { version: number }).version = 42;
        }).toThrow(TypeError);
      }
      expect(await store.get("{copy}:k")).toEqual(record(1, 1));
    });

    it("reads bytes rewritten behind the backend as they are now: another value, a tombstone, garbage", async () => {
      const prefix = redisTestPrefix("batch");
      const logger = recordingLogger();
      const nodes = target().nodeUrls;
      const stores = [backend({ logger }, prefix), backend({ logger, batchReads: false }, prefix)];
      const key = "{rewrite}:k";
      const write = (raw: string): Promise<unknown> =>
        keyCommand(nodes, prefix + key, "SET", prefix + key, raw, "PX", "60000");
      const readAll = (): Promise<unknown[]> =>
        Promise.all(stores.flatMap((store) => [store.get(key), store.get(key)]));
      const sequence: Array<[raw: string, expected: CachedApiKey | undefined]> = [
        ['{"apiKey":"ak_rw","active":true}', { apiKey: "ak_rw", active: true }],
        ['{"apiKey":"ak_rw","active":false}', { apiKey: "ak_rw", active: false }],
        [
          '{"apiKey":"","active":false,"state":"revoked"}',
          { apiKey: "", active: false, state: "revoked" },
        ],
        ["not json sk_live_rewritten_secret", undefined],
        ['{"apiKey":"ak_rw","active":true}', { apiKey: "ak_rw", active: true }],
      ];
      for (const [raw, expected] of sequence) {
        await write(raw);
        for (let round = 0; round < 2; round++) {
          for (const value of await readAll()) {
            expect(value).toEqual(expected);
            if (value !== undefined) expect(Object.isFrozen(value)).toBe(true);
          }
        }
        if (expected === undefined) {
          // Every read of the garbage was a miss; the entry is removed as by any read.
          await expect
            .poll(() => keyCommand(nodes, prefix + key, "EXISTS", prefix + key), {
              timeout: 10_000,
            })
            .toBe(0);
        }
      }
      expect(logger.at("warn").some((line) => line.includes(key))).toBe(true);
      expect(logger.lines.join("\n")).not.toContain("sk_live_rewritten_secret");
    });

    it("never returns the value from before a write issued earlier in the same tick", async () => {
      const store = backend();
      const keys = keysIn("order", 40);
      for (let round = 1; round <= 5; round++) {
        await fill(store, keys);
        const before: Promise<unknown>[] = [];
        const after: Promise<unknown>[] = [];
        const writes: Promise<unknown>[] = [];
        keys.forEach((key, index) => {
          // Issued before the write: may see either value. Issued after: only the new one.
          before.push(store.get(key));
          if (index % 4 === 3) {
            writes.push(store.delete(key));
          } else if (index % 4 === 2) {
            writes.push(store.setIfAbsent(key, record(index, 9), 60));
          } else {
            writes.push(store.set(key, record(index, round + 1), 60));
          }
          after.push(
            index % 2 === 0 ? store.get(key) : (store.getWithTtl?.(key) ?? store.get(key)),
          );
        });
        const [seenBefore, seenAfter] = await Promise.all([
          Promise.all(before),
          Promise.all(after),
          Promise.all(writes),
        ]);
        keys.forEach((_, index) => {
          const newValue =
            index % 4 === 3
              ? undefined
              : index % 4 === 2
                ? record(index, 1)
                : record(index, round + 1);
          const afterValue = seenAfter[index];
          const unwrapped =
            afterValue !== undefined && index % 2 === 1
              ? (afterValue as { value: unknown }).value
              : afterValue;
          expect(unwrapped, `key ${index}, read after the write`).toEqual(newValue);
          expect([record(index, 1), newValue]).toContainEqual(seenBefore[index]);
        });
      }
    });

    it("orders a write and a read issued before the client is ready", async () => {
      const keyPrefix = redisTestPrefix("batch");
      const first = backend({}, keyPrefix);
      await first.set("{early}:k", record(1, 1), 60);
      await first.set("{early}:gone", record(2, 1), 60);
      // A fresh backend: its client is still connecting when these are issued.
      const fresh = backend({}, keyPrefix);
      const write = fresh.set("{early}:k", record(1, 2), 60);
      const removal = fresh.delete("{early}:gone");
      const [, , read, readGone] = await Promise.all([
        write,
        removal,
        fresh.get("{early}:k"),
        fresh.get("{early}:gone"),
      ]);
      expect(read).toEqual(record(1, 2));
      expect(readGone).toBeUndefined();
    });

    const { pause, resume } = options;
    if (pause !== undefined && resume !== undefined) {
      it("rejects each caller of a late batch at its own deadline", async () => {
        const timeoutMs = 300;
        const store = backend({ commandTimeoutMs: timeoutMs });
        await store.set("{late}:k", record(1, 1), 60);
        const settle = (call: Promise<unknown>): Promise<{ error: unknown; at: number }> =>
          call.then(
            () => ({ error: undefined, at: performance.now() }),
            (error: unknown) => ({ error, at: performance.now() }),
          );
        pause();
        try {
          const firstAt = performance.now();
          const first = Array.from({ length: 5 }, () => settle(store.get("{late}:k")));
          await new Promise((resolve) => setTimeout(resolve, 150));
          const secondAt = performance.now();
          const second = Array.from({ length: 5 }, () => settle(store.get("{late}:k")));
          const outcomes = [
            ...(await Promise.all(first)).map((outcome) => ({ ...outcome, from: firstAt })),
            ...(await Promise.all(second)).map((outcome) => ({ ...outcome, from: secondAt })),
          ];
          for (const { error, at, from } of outcomes) {
            expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE"), String(error)).toBe(true);
            // Never before its own deadline, and well within it plus a loaded machine's slack.
            expect(at - from).toBeGreaterThanOrEqual(timeoutMs - 5);
            expect(at - from).toBeLessThan(timeoutMs + 3_000);
          }
        } finally {
          resume();
        }
        await expect
          .poll(() => store.get("{late}:k").catch(() => "unavailable"), { timeout: 15_000 })
          .toEqual(record(1, 1));
      });
    }
  });
}
