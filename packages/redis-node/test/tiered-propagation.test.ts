/**
 * Two tiered backends on one server and prefix, one per client library: A over ioredis
 * (backend and bus), B over node-redis. Whatever one writes, deletes or clears reaches the
 * other's L1 through the bus (each key within 2 s; L1 copies live 30 s, so expiry cannot hide
 * a lost message). Then B's subscriber connection is killed: B's L1 is bypassed until the bus
 * resubscribes, so a change made behind the bus's back is seen at once, and afterwards L1
 * serves again.
 */

import {
  type CachedApiKey,
  encodeCachedApiKey,
  InMemoryApiKeyCacheBackend,
  invalidationChannel,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import { ioredisDriver } from "@apikey/redis-ioredis";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeRedisInvalidationBus, nodeRedisDriver } from "../src/index.js";
import { randomPrefix } from "./test-clients.js";

const PROPAGATION_CAP_MS = 2_000;
const LOCAL_TTL_SECONDS = 30;
const KEYS = 1_000;
const BATCH = 100;

const redis = useRedisServer({ spawn: true });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One side: the tiered backend plus its L1 and bus, so a test can look inside. */
interface Side {
  name: string;
  tiered: TieredApiKeyCacheBackend;
  local: InMemoryApiKeyCacheBackend;
}

const keyPrefix = randomPrefix("tiered-x");
let a: Side;
let b: Side;
let busB: NodeRedisInvalidationBus;

beforeAll(async () => {
  const channel = invalidationChannel(keyPrefix);
  const localA = new InMemoryApiKeyCacheBackend({ maxEntries: 10_000 });
  a = {
    name: "A (ioredis)",
    local: localA,
    tiered: new TieredApiKeyCacheBackend({
      local: localA,
      remote: ioredisDriver.createBackend({ url: redis.url, keyPrefix, logger: silentLogger }),
      bus: ioredisDriver.createInvalidationBus({ url: redis.url, channel, logger: silentLogger }),
      localTtlSeconds: LOCAL_TTL_SECONDS,
      logger: silentLogger,
    }),
  };
  const localB = new InMemoryApiKeyCacheBackend({ maxEntries: 10_000 });
  busB = nodeRedisDriver.createInvalidationBus({
    url: redis.url,
    channel,
    logger: silentLogger,
  }) as NodeRedisInvalidationBus;
  b = {
    name: "B (node-redis)",
    local: localB,
    tiered: new TieredApiKeyCacheBackend({
      local: localB,
      remote: nodeRedisDriver.createBackend({ url: redis.url, keyPrefix, logger: silentLogger }),
      bus: busB,
      localTtlSeconds: LOCAL_TTL_SECONDS,
      logger: silentLogger,
    }),
  };
  await waitUntil(() => a.tiered.l1Enabled && b.tiered.l1Enabled, 10_000, "both buses subscribed");
});

/** Wait until `condition` holds, at most `capMs` (hooks cannot use expect.poll). */
async function waitUntil(condition: () => boolean, capMs: number, what: string): Promise<void> {
  const deadline = performance.now() + capMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${capMs} ms: ${what}`);
    await sleep(10);
  }
}

afterAll(async () => {
  await Promise.all([a?.tiered.close(), b?.tiered.close()]);
});

function record(key: string, version: number): CachedApiKey {
  return { apiKey: `ak_${key}`, active: true, version };
}

/** Run `work` over `items` in batches of {@link BATCH} at once. */
async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  for (let done = 0; done < items.length; done += BATCH) {
    await Promise.all(items.slice(done, done + BATCH).map(work));
  }
}

/**
 * Write `keys` through `writer`, read them through `reader`, and check they sit in its L1. A
 * write resolves once L2 took it, before its publish arrives: a copy the reader filled first
 * is dropped by that message, so the reader reads again (a bounded number of times).
 */
async function cacheOn(writer: Side, reader: Side, keys: readonly string[]): Promise<void> {
  await inBatches(keys, (key) => writer.tiered.set(key, record(key, 1), 60));
  await inBatches(keys, async (key) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      expect(await reader.tiered.get(key)).toEqual(record(key, 1));
      if ((await reader.local.get(key)) !== undefined) break;
      await sleep(10);
    }
    expect(await reader.local.get(key), `${reader.name} L1 holds ${key}`).toEqual(record(key, 1));
  });
}

/**
 * Poll `reader` until every key reads `expected(key)`; each must do so within the cap after
 * the write that changed it resolved. Resolves to the slowest key's latency.
 */
async function expectEachSeen(
  reader: Side,
  writtenAt: ReadonlyMap<string, number>,
  expected: (key: string) => CachedApiKey | undefined,
): Promise<number> {
  const pending = new Set(writtenAt.keys());
  const deadline = Math.max(...writtenAt.values()) + PROPAGATION_CAP_MS;
  let slowestMs = 0;
  for (;;) {
    const reads = await Promise.all(
      [...pending].map(async (key) => ({ key, value: await reader.tiered.get(key) })),
    );
    const now = performance.now();
    for (const { key, value } of reads) {
      if (JSON.stringify(value) !== JSON.stringify(expected(key))) continue;
      pending.delete(key);
      slowestMs = Math.max(slowestMs, now - (writtenAt.get(key) ?? now));
    }
    if (pending.size === 0 || now > deadline) break;
    await sleep(5);
  }
  expect([...pending].slice(0, 5), `${reader.name} still serves stale copies`).toEqual([]);
  expect(slowestMs).toBeLessThan(PROPAGATION_CAP_MS);
  return slowestMs;
}

/** Apply `write` to each key in batches, noting when each write resolved. */
async function writeAll(
  keys: readonly string[],
  write: (key: string) => Promise<void>,
  check: (writtenAt: Map<string, number>) => Promise<number>,
): Promise<void> {
  for (let done = 0; done < keys.length; done += BATCH) {
    const writtenAt = new Map<string, number>();
    await Promise.all(
      keys.slice(done, done + BATCH).map(async (key) => {
        await write(key);
        writtenAt.set(key, performance.now());
      }),
    );
    await check(writtenAt);
  }
}

const directions = [
  { label: "A (ioredis) → B (node-redis)", from: () => a, to: () => b },
  { label: "B (node-redis) → A (ioredis)", from: () => b, to: () => a },
];

describe("tiered backends over ioredis and node-redis share one bus", () => {
  for (const { label, from, to } of directions) {
    it(`${label}: 1,000 deletes of keys in the other's L1 are each seen within 2 s`, async () => {
      const keys = Array.from({ length: KEYS }, (_, i) => `del:${label.at(0)}:${i}`);
      await cacheOn(from(), to(), keys);
      await writeAll(
        keys,
        (key) => from().tiered.delete(key),
        (writtenAt) => expectEachSeen(to(), writtenAt, () => undefined),
      );
      expect(to().tiered.l1Enabled).toBe(true);
    });

    it(`${label}: 1,000 sets of a new value over keys in the other's L1 are each seen within 2 s`, async () => {
      const keys = Array.from({ length: KEYS }, (_, i) => `set:${label.at(0)}:${i}`);
      await cacheOn(from(), to(), keys);
      await writeAll(
        keys,
        (key) => from().tiered.set(key, record(key, 2), 60),
        (writtenAt) => expectEachSeen(to(), writtenAt, (key) => record(key, 2)),
      );
      expect(to().tiered.l1Enabled).toBe(true);
    });

    it(`${label}: clear() empties the other's L1 within 2 s`, async () => {
      const keys = Array.from({ length: 200 }, (_, i) => `clear:${label.at(0)}:${i}`);
      await cacheOn(from(), to(), keys);
      await from().tiered.clear();
      const clearedAt = performance.now();
      await expectEachSeen(to(), new Map(keys.map((key) => [key, clearedAt])), () => undefined);
    });
  }

  it("a killed subscriber connection: B bypasses its L1 until resubscribed, then L1 serves again", async () => {
    const key = "disconnect:1";
    const rawSet = async (version: number): Promise<void> => {
      const reply = await redisCommand(
        redis.url,
        "SET",
        `${keyPrefix}${key}`,
        encodeCachedApiKey(record(key, version)),
        "PX",
        "60000",
      );
      expect(reply).toBe("OK");
    };
    // Written through B itself: its L1 holds the value (a bus never echoes its own messages).
    await b.tiered.set(key, record(key, 1), 60);
    expect(await b.local.get(key)).toEqual(record(key, 1));
    // Changed behind the bus's back: B's L1 copy still answers (what the bus normally fixes).
    await rawSet(2);
    expect(await b.tiered.get(key)).toEqual(record(key, 1));

    // Watch B's bus beside the tiered backend (which subscribed first, so is told first).
    const events: string[] = [];
    let readDuringDisconnect: Promise<CachedApiKey | undefined> | undefined;
    const unsubscribe = await busB.subscribe({
      message: () => {},
      ready: () => events.push(`ready l1=${b.tiered.l1Enabled}`),
      disconnected: () => {
        events.push(`disconnected l1=${b.tiered.l1Enabled}`);
        readDuringDisconnect ??= b.tiered.get(key);
      },
    });
    try {
      const id = await busB.subscriber.sendCommand(["CLIENT", "ID"]);
      expect(await redisCommand(redis.url, "CLIENT", "KILL", "ID", String(id))).toBe(1);
      await expect
        .poll(() => events.find((e) => e.startsWith("disconnected")), {
          timeout: 5_000,
        })
        .toBe("disconnected l1=false");
      // A read started while disconnected skips L1: it sees the change made behind the bus.
      expect(await readDuringDisconnect).toEqual(record(key, 2));
      // And so does one right after, whether or not the bus has resubscribed meanwhile (a
      // resubscription empties L1 too).
      await rawSet(3);
      const stillDown = !b.tiered.l1Enabled;
      expect(await b.tiered.get(key)).toEqual(record(key, 3));
      if (stillDown) {
        await rawSet(4);
        expect(await b.tiered.get(key)).toEqual(record(key, 4));
      }

      // Resubscribed: ready() with L1 back on.
      const readyAfterDisconnect = (): string | undefined =>
        events
          .slice(events.findIndex((e) => e.startsWith("disconnected")) + 1)
          .find((e) => e.startsWith("ready"));
      await expect.poll(readyAfterDisconnect, { timeout: 10_000 }).toBe("ready l1=true");
      expect(b.tiered.l1Enabled).toBe(true);
      const current = await b.tiered.get(key);
      expect(current?.version).toEqual(stillDown ? 4 : 3);
      // L1 serves again: a change behind the bus's back is not seen...
      await rawSet(5);
      expect(await b.tiered.get(key)).toEqual(current);
      // ...while one through the bus is.
      await a.tiered.delete(key);
      await expect.poll(() => b.tiered.get(key), { timeout: PROPAGATION_CAP_MS }).toBeUndefined();
    } finally {
      await unsubscribe();
    }
  });
});
