/**
 * clear() never sends one UNLINK with more than CLEAR_BATCH_SIZE keys, even when a SCAN reply
 * is larger (SCAN returns whole hash buckets, so COUNT is only a hint). Crowded buckets are
 * made for real: while a background save runs (held open by rdb-key-save-delay) Redis does
 * not grow its hash table until it holds 5 keys per bucket. The UNLINKs are read back from
 * SLOWLOG, which records every command once the threshold is 0.
 */

import { silentLogger } from "@apikey/core";
import { CLEAR_BATCH_SIZE } from "@apikey/core/redis";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { describe, expect, it } from "vitest";
import { NodeRedisApiKeyCacheBackend } from "../src/index.js";
import { connectedClient, randomPrefix } from "./test-clients.js";

// Just under 5 keys per bucket of a 2048-bucket table (with the seed key): ~20 SCAN replies.
const KEY_COUNT = 10_000;
const redis = useRedisServer({ spawn: true });

/** Keys in one SLOWLOG entry of `UNLINK k1 k2 …` (argv past 32 is summarized as "... (N more arguments)"). */
function unlinkedKeyCount(argv: string[]): number {
  const last = argv.at(-1) ?? "";
  const more = /^\.\.\. \((\d+) more arguments\)$/.exec(last);
  return more === null ? argv.length - 1 : argv.length - 2 + Number(more[1]);
}

describe("clear() over crowded hash buckets", () => {
  it(`sends UNLINKs of at most ${CLEAR_BATCH_SIZE} keys though a SCAN reply holds more`, async () => {
    const client = await connectedClient(redis.url);
    const backend = new NodeRedisApiKeyCacheBackend(client, {
      keyPrefix: randomPrefix("c"),
      logger: silentLogger,
      commandTimeoutMs: 10_000,
    });
    // One key for the save to linger on (5 s), then no table growth until 5 keys per bucket.
    await client.set("seed", "x");
    await redisCommand(redis.url, "CONFIG", "SET", "rdb-key-save-delay", "5000000");
    await redisCommand(redis.url, "BGSAVE");
    try {
      const value = { apiKey: "a", active: true };
      await Promise.all(
        Array.from({ length: KEY_COUNT }, (_, i) => backend.set(`k${i}`, value, 600)),
      );
      // Precondition: at least one SCAN reply over the prefix is larger than the batch size.
      let cursor = "0";
      let largest = 0;
      for (let round = 0; round < 10_000; round++) {
        const reply = (await client.sendCommand([
          "SCAN",
          cursor,
          "MATCH",
          `${backend.keyPrefix}*`,
          "COUNT",
          String(CLEAR_BATCH_SIZE),
        ])) as [string, string[]];
        largest = Math.max(largest, reply[1].length);
        cursor = String(reply[0]);
        if (cursor === "0") break;
      }
      expect(largest).toBeGreaterThan(CLEAR_BATCH_SIZE);

      await redisCommand(redis.url, "CONFIG", "SET", "slowlog-max-len", "10000");
      await redisCommand(redis.url, "CONFIG", "SET", "slowlog-log-slower-than", "0");
      await redisCommand(redis.url, "SLOWLOG", "RESET");
      await backend.clear();
      const entries = (await redisCommand(redis.url, "SLOWLOG", "GET", "-1")) as unknown[][];
      const unlinks = entries
        .map((entry) => entry[3] as string[])
        .filter((argv) => argv[0]?.toUpperCase() === "UNLINK")
        .map(unlinkedKeyCount);
      expect(unlinks.reduce((sum, n) => sum + n, 0)).toBe(KEY_COUNT);
      expect(Math.max(...unlinks)).toBeLessThanOrEqual(CLEAR_BATCH_SIZE);
      expect(await client.dbSize()).toBe(1);
    } finally {
      await redisCommand(redis.url, "CONFIG", "SET", "slowlog-log-slower-than", "10000");
      await backend.close();
    }
  });
});
