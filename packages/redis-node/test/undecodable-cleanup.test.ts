/**
 * Removing undecodable entries off the read path: a read returns its miss without waiting for
 * the compare-and-delete, and concurrent readers of one bad key share a single cleanup. The
 * cleanup is held back with CLIENT PAUSE WRITE (EVAL waits, reads go on), on a server of this
 * file's own, since the pause is server-wide.
 */

import { silentLogger } from "@apikey/core";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import type { RedisClientType } from "redis";
import { beforeAll, describe, expect, it } from "vitest";
import { NodeRedisApiKeyCacheBackend } from "../src/index.js";
import { connectedClient, randomPrefix } from "./test-clients.js";

const PAUSE_MS = 3000;
const READERS = 5;
const redis = useRedisServer({ spawn: true });
let client: RedisClientType;

beforeAll(async () => {
  client = await connectedClient(redis.url);
});

/** How many times the server ran `command` since the last CONFIG RESETSTAT. */
async function commandCalls(command: string): Promise<number> {
  const info = String(await redisCommand(redis.url, "INFO", "commandstats"));
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, "m").exec(info);
  return match === null ? 0 : Number(match[1]);
}

/** Commands of one shared cleanup, as counted by the server (calls inside the script count too). */
type CleanupCalls = Record<string, number>;
const planted: Array<[string, (key: string) => Promise<unknown>, CleanupCalls]> = [
  ["not JSON", (key) => redisCommand(redis.url, "SET", key, "{not json"), { eval: 1 }],
  [
    "a hash (WRONGTYPE)",
    (key) => redisCommand(redis.url, "HSET", key, "apiKey", "x"),
    // One TYPE by the backend before the EVAL, one inside the compare-and-delete script.
    { eval: 1, type: 2 },
  ],
];
const reads: Array<[string, (backend: NodeRedisApiKeyCacheBackend) => Promise<unknown>]> = [
  ["get", (backend) => backend.get("bad")],
  ["getWithTtl", (backend) => backend.getWithTtl("bad")],
];

describe("cleanup of undecodable entries", () => {
  for (const [what, plant, cleanupCalls] of planted) {
    for (const [method, read] of reads) {
      it(`${what}: ${READERS} concurrent ${method}() miss at once and share one cleanup`, async () => {
        const backend = new NodeRedisApiKeyCacheBackend(client, {
          keyPrefix: randomPrefix(),
          logger: silentLogger,
          commandTimeoutMs: PAUSE_MS + 5000,
        });
        const key = `${backend.keyPrefix}bad`;
        await plant(key);
        await redisCommand(redis.url, "CONFIG", "RESETSTAT");
        await redisCommand(redis.url, "CLIENT", "PAUSE", String(PAUSE_MS), "WRITE");
        try {
          const results = await Promise.all(Array.from({ length: READERS }, () => read(backend)));
          expect(results).toEqual(Array.from({ length: READERS }, () => undefined));
          // The reads are back while the paused EVAL has not run: they did not wait for it.
          expect(await redisCommand(redis.url, "EXISTS", key)).toBe(1);
        } finally {
          await redisCommand(redis.url, "CLIENT", "UNPAUSE");
        }
        await expect
          .poll(() => redisCommand(redis.url, "EXISTS", key), { timeout: 10_000, interval: 20 })
          .toBe(0);
        for (const [command, calls] of Object.entries(cleanupCalls)) {
          expect(await commandCalls(command), command).toBe(calls);
        }
        await backend.close();
      });
    }
  }
});
