/**
 * What a driver's backend and bus put into Redis, read and written around them with the raw
 * RESP client: the shared wire format (compact JSON under prefix + key, `PX ceil(ttl × 1000)`,
 * versioned bus messages), entries other programs wrote (no expiry), and undecodable entries
 * (a miss, a warning without their content, removed). With another driver, its backend and
 * bus and this one's read each other, both ways.
 */
import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  decodeInvalidationMessage,
  encodeCachedApiKey,
  encodeInvalidationMessage,
  type InvalidationBus,
  invalidationChannel,
  type RedisDriver,
  silentLogger,
} from "@apikey/core";
import { type RedisServerHandle, RespConnection, redisCommand } from "@apikey/redis-test-server";
import { afterEach, describe, expect, it } from "vitest";
import { BusRecorder } from "../bus/bus-recorder.js";
import { recordingLogger } from "./recording-logger.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const EVENT_TIMEOUT_MS = 5_000;
/** Content planted in bad entries: it must never reach a log line. */
const SECRET = "do-not-log-me";
const BAD_ENTRIES: ReadonlyArray<
  [what: string, plant: (url: string, key: string) => Promise<unknown>]
> = [
  ["not JSON", (url, key) => redisCommand(url, "SET", key, `${SECRET}{`, "PX", 60_000)],
  [
    "JSON of the wrong shape",
    (url, key) => redisCommand(url, "SET", key, `{"apiKey":1,"note":"${SECRET}"}`, "PX", 60_000),
  ],
  ["a hash (WRONGTYPE)", (url, key) => redisCommand(url, "HSET", key, "apiKey", SECRET)],
];

const record = (n: number): CachedApiKey => ({
  apiKey: `ak_${n}`,
  active: n % 2 === 0,
  scopes: ["read", "write"],
  owner: { id: n, label: "clé ✓" },
});

async function pttl(url: string, key: string): Promise<number> {
  return Number(await redisCommand(url, "PTTL", key));
}

/** A raw RESP subscriber on `channel`: the payloads it receives, in order. */
async function rawSubscriber(
  url: string,
  channel: string,
): Promise<{ payloads: string[]; close(): void }> {
  const connection = await RespConnection.open(url);
  const payloads: string[] = [];
  connection.onPush((reply) => {
    if (Array.isArray(reply) && reply[0] === "message" && reply[1] === channel) {
      payloads.push(String(reply[2]));
    }
  });
  await connection.command(["SUBSCRIBE", channel]);
  return { payloads, close: () => connection.close() };
}

/** Register the keyspace and wire-format checks of `driver` on `redis`. */
export function describeRedisKeyspace(
  name: string,
  driver: RedisDriver,
  redis: RedisServerHandle,
  otherDriver: RedisDriver | undefined,
): void {
  describe(`${name}: keyspace and wire format`, () => {
    const open: Array<ApiKeyCacheBackend | InvalidationBus | { close(): void }> = [];
    const track = <T extends ApiKeyCacheBackend | InvalidationBus | { close(): void }>(
      part: T,
    ): T => {
      open.push(part);
      return part;
    };
    afterEach(async () => {
      await Promise.allSettled(open.splice(0).map(async (part) => part.close()));
    });
    const backendOn = (
      keyPrefix: string,
      logger = silentLogger,
      from: RedisDriver = driver,
    ): ApiKeyCacheBackend => track(from.createBackend({ url: redis.url, keyPrefix, logger }));
    const busOn = (channel: string, from: RedisDriver = driver): InvalidationBus =>
      track(from.createInvalidationBus({ url: redis.url, channel, logger: silentLogger }));
    const subscribed = async (bus: InvalidationBus): Promise<BusRecorder> => {
      const recorder = new BusRecorder();
      recorder.unsubscribe = await bus.subscribe(recorder);
      await recorder.waitFor(
        (e) => e.type === "ready",
        "ready() after subscribe",
        EVENT_TIMEOUT_MS,
      );
      return recorder;
    };

    it("stores compact JSON under prefix + key with PX ceil(ttl × 1000), as a raw RESP reader sees it", async () => {
      const keyPrefix = redisTestPrefix("wire");
      const backend = backendOn(keyPrefix);
      await backend.set("a", record(1), 1.5);
      expect(await redisCommand(redis.url, "GET", `${keyPrefix}a`)).toBe(
        encodeCachedApiKey(record(1)),
      );
      expect(encodeCachedApiKey(record(1))).toBe(JSON.stringify(record(1)));
      // Fractional TTLs: never rounded to whole seconds (EX 3 would read ~3000 here).
      expect(await backend.setIfAbsent("b", record(2), 2.0004)).toBe(true);
      await backend.setIfAbsentGet?.("c", record(3), 0.3337);
      for (const [key, limitMs] of [
        ["a", 1500],
        ["b", 2001],
        ["c", backend.setIfAbsentGet === undefined ? Number.NaN : 334],
      ] as const) {
        if (Number.isNaN(limitMs)) continue;
        const left = await pttl(redis.url, `${keyPrefix}${key}`);
        // A loaded machine may read PTTL after the 334 ms entry ended (-2): only more is wrong.
        expect(left, `PTTL of ${key}`).toBeLessThanOrEqual(limitMs);
        if (limitMs > 1000) expect(left, `PTTL of ${key}`).toBeGreaterThan(0);
      }
      await backend.set("zero", record(4), 0);
      expect(await backend.setIfAbsent("zero", record(4), -1)).toBe(false);
      expect(await redisCommand(redis.url, "EXISTS", `${keyPrefix}zero`)).toBe(0);
    });

    it("reads entries a raw RESP writer stored: with a TTL, and without one (an infinite TTL)", async () => {
      const keyPrefix = redisTestPrefix("wire");
      const backend = backendOn(keyPrefix);
      const revoked = '{"apiKey":"pub_2","active":false,"state":"revoked"}';
      await redisCommand(redis.url, "SET", `${keyPrefix}w`, revoked, "PX", 60_000);
      expect(await backend.get("w")).toEqual({ apiKey: "pub_2", active: false, state: "revoked" });
      await redisCommand(redis.url, "SET", `${keyPrefix}forever`, encodeCachedApiKey(record(5)));
      expect(await backend.get("forever")).toEqual(record(5));
      if (backend.getWithTtl !== undefined) {
        const entry = await backend.getWithTtl("w");
        expect(entry?.value).toEqual({ apiKey: "pub_2", active: false, state: "revoked" });
        expect(entry?.ttlMs).toBeGreaterThan(0);
        expect(entry?.ttlMs).toBeLessThanOrEqual(60_000);
        expect(await backend.getWithTtl("forever")).toEqual({
          value: record(5),
          ttlMs: Number.POSITIVE_INFINITY,
        });
      }
    });

    for (const [what, plant] of BAD_ENTRIES) {
      for (const read of ["get", "getWithTtl"] as const) {
        it(`${what}: ${read}() misses, warns without the content, and the entry is removed`, async () => {
          const logger = recordingLogger();
          const keyPrefix = redisTestPrefix("bad");
          const backend = backendOn(keyPrefix, logger);
          const key = `${keyPrefix}bad`;
          await plant(redis.url, key);
          // A backend without getWithTtl is read with get() (the protocol's fallback).
          const result =
            read === "get" || backend.getWithTtl === undefined
              ? await backend.get("bad")
              : await backend.getWithTtl("bad");
          expect(result).toBeUndefined();
          // Removed off the read path, after the miss was returned.
          await expect
            .poll(() => redisCommand(redis.url, "EXISTS", key), { timeout: 5_000, interval: 20 })
            .toBe(0);
          await expect.poll(() => logger.at("warn").length, { timeout: 5_000 }).toBeGreaterThan(0);
          expect(logger.at("warn").join("\n")).toContain(key);
          expect(logger.lines.join("\n")).not.toContain(SECRET);
        });
      }

      it(`${what} in the way of setIfAbsent() and setIfAbsentGet() is replaced by the new value`, async () => {
        const keyPrefix = redisTestPrefix("bad");
        const backend = backendOn(keyPrefix);
        await plant(redis.url, `${keyPrefix}bad`);
        if (backend.setIfAbsentGet !== undefined) {
          expect(await backend.setIfAbsentGet("bad", record(6), 60)).toBeUndefined();
        } else {
          // Only a read clears the bad entry's way for setIfAbsent().
          expect(await backend.get("bad")).toBeUndefined();
          await expect
            .poll(() => backend.setIfAbsent("bad", record(6), 60), { timeout: 5_000 })
            .toBe(true);
        }
        expect(await backend.get("bad")).toEqual(record(6));
        expect(await redisCommand(redis.url, "GET", `${keyPrefix}bad`)).toBe(
          encodeCachedApiKey(record(6)),
        );
      });
    }

    it("its bus publishes versioned JSON a raw RESP subscriber decodes, and delivers what a raw publisher sent", async () => {
      const channel = invalidationChannel(redisTestPrefix("wire"));
      const raw = track(await rawSubscriber(redis.url, channel));
      const bus = busOn(channel);
      const recorder = await subscribed(bus);
      await bus.publish({ op: "delete", key: "k1" });
      await expect.poll(() => raw.payloads.length, { timeout: EVENT_TIMEOUT_MS }).toBe(1);
      expect(decodeInvalidationMessage(raw.payloads[0] as string)).toEqual({
        origin: bus.instanceId,
        op: "delete",
        key: "k1",
      });
      expect(raw.payloads[0]).toBe(
        encodeInvalidationMessage(bus.instanceId, { op: "delete", key: "k1" }),
      );
      // Its own message is not delivered back to it; another origin's is.
      const wire = encodeInvalidationMessage("raw-publisher", { op: "set", key: "k2" });
      expect(await redisCommand(redis.url, "PUBLISH", channel, wire)).toBeGreaterThanOrEqual(2);
      await recorder.waitForMessage(() => true, "the raw publisher's message", EVENT_TIMEOUT_MS);
      expect(recorder.messages).toEqual([{ op: "set", key: "k2" }]);
    });

    it("ignores malformed messages on the channel and keeps delivering good ones", async () => {
      const channel = invalidationChannel(redisTestPrefix("junk"));
      const recorder = await subscribed(busOn(channel));
      for (const junk of [
        "not json",
        "{}",
        "[]",
        '{"v":2,"origin":"x","op":"clear"}',
        '{"v":1,"origin":"x","op":"set"}',
        '{"v":1,"origin":"x","op":"delete","key":""}',
        '{"v":1,"op":"clear"}',
      ]) {
        await redisCommand(redis.url, "PUBLISH", channel, junk);
      }
      await redisCommand(
        redis.url,
        "PUBLISH",
        channel,
        encodeInvalidationMessage("someone-else", { op: "delete", key: "k" }),
      );
      await recorder.waitForMessage(() => true, "the good message", EVENT_TIMEOUT_MS);
      expect(recorder.messages).toEqual([{ op: "delete", key: "k" }]);
      expect(recorder.events.filter((e) => e.type === "disconnected")).toEqual([]);
    });

    it("rejects a malformed publish with a typed error, before sending anything", async () => {
      const channel = invalidationChannel(redisTestPrefix("junk"));
      const raw = track(await rawSubscriber(redis.url, channel));
      const bus = busOn(channel);
      const cases: Array<[unknown, string]> = [
        [null, "E_INVALID_VALUE"],
        [{ op: "set" }, "E_INVALID_KEY"],
        [{ op: "delete", key: "" }, "E_INVALID_KEY"],
        [{ op: "bogus", key: "k" }, "E_INVALID_VALUE"],
      ];
      for (const [message, code] of cases) {
        await expect(
          bus.publish(message as Parameters<InvalidationBus["publish"]>[0]),
          JSON.stringify(message),
        ).rejects.toMatchObject({ name: "ApiKeyCacheError", code });
      }
      await bus.publish({ op: "clear" });
      await expect.poll(() => raw.payloads.length, { timeout: EVENT_TIMEOUT_MS }).toBe(1);
      expect(decodeInvalidationMessage(raw.payloads[0] as string)?.op).toBe("clear");
    });

    if (otherDriver !== undefined) {
      const pairs = [
        { label: `${driver.name} → ${otherDriver.name}`, writer: driver, reader: otherDriver },
        { label: `${otherDriver.name} → ${driver.name}`, writer: otherDriver, reader: driver },
      ];
      describe(`${name}: shared with ${otherDriver.name}`, () => {
        for (const { label, writer, reader } of pairs) {
          it(`${label}: an entry written by one is read, deleted and cleared through the other`, async () => {
            const keyPrefix = redisTestPrefix("cross");
            const from = backendOn(keyPrefix, silentLogger, writer);
            const to = backendOn(keyPrefix, silentLogger, reader);
            for (const key of ["a", "b", "c"]) await from.set(key, record(7), 60);
            expect(await to.get("a")).toEqual(record(7));
            expect(await to.setIfAbsent("a", record(8), 60)).toBe(false);
            if (to.setIfAbsentGet !== undefined) {
              expect(await to.setIfAbsentGet("b", record(8), 60)).toEqual(record(7));
            }
            await to.delete("a");
            expect(await from.get("a")).toBeUndefined();
            await to.clear();
            expect(await from.get("b")).toBeUndefined();
            expect(await from.get("c")).toBeUndefined();
          });

          it(`${label}: what one's bus publishes reaches the other's subscribers`, async () => {
            const channel = invalidationChannel(redisTestPrefix("cross"));
            const recorder = await subscribed(busOn(channel, reader));
            const publisher = busOn(channel, writer);
            await publisher.publish({ op: "set", key: "k" });
            await publisher.publish({ op: "clear" });
            await recorder.waitForMessage((m) => m.op === "clear", "the clear", EVENT_TIMEOUT_MS);
            expect(recorder.messages).toEqual([{ op: "set", key: "k" }, { op: "clear" }]);
          });
        }
      });
    }
  });
}
