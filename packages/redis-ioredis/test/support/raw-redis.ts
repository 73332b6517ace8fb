/**
 * The server as the tests see it, through the raw RESP client of @apikey/redis-test-server:
 * planting and inspecting keys never goes through ioredis, the client under test.
 */
import { clusterKeySlot } from "@apikey/core/redis";
import {
  type RedisTarget,
  type RespArgument,
  RespConnection,
  redisCommand,
  splitSlots,
} from "@apikey/redis-test-server";

/** One server's keys and values, read and written with one-shot raw connections. */
export interface RawRedis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ...options: RespArgument[]): Promise<unknown>;
  hset(key: string, field: string, value: string): Promise<unknown>;
  del(key: string): Promise<unknown>;
  exists(key: string): Promise<number>;
  pttl(key: string): Promise<number>;
  keys(pattern: string): Promise<string[]>;
  flushall(): Promise<unknown>;
  /** Any other command. */
  command(...args: RespArgument[]): Promise<unknown>;
}

/** Raw access to the server at `target()` (read when called, so a hook's handle works). */
export function rawRedis(target: () => RedisTarget): RawRedis {
  const run = (...args: RespArgument[]) => redisCommand(target(), ...args);
  return {
    get: async (key) => (await run("GET", key)) as string | null,
    set: (key, value, ...options) => run("SET", key, value, ...options),
    hset: (key, field, value) => run("HSET", key, field, value),
    del: (key) => run("DEL", key),
    exists: async (key) => Number(await run("EXISTS", key)),
    pttl: async (key) => Number(await run("PTTL", key)),
    keys: async (pattern) => (await run("KEYS", pattern)) as string[],
    flushall: () => run("FLUSHALL"),
    command: run,
  };
}

/** Poll until `key` no longer exists (at most 5 s). */
export async function waitUntilGone(raw: RawRedis, key: string): Promise<void> {
  const deadline = performance.now() + 5000;
  while ((await raw.exists(key)) === 1) {
    if (performance.now() > deadline) throw new Error(`${key} was not removed within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Index of the test-cluster master that serves `key` (masters serve contiguous slot ranges in order). */
export function ownerIndex(key: string, masters: number): number {
  const slot = clusterKeySlot(key);
  return splitSlots(masters).findIndex(([first, last]) => slot >= first && slot <= last);
}

/** The commands the server runs, as MONITOR reports them (arguments unquoted), until `stop()`. */
export async function monitorCommands(
  target: RedisTarget,
): Promise<{ commands: string[][]; stop(): void }> {
  const connection = await RespConnection.open(target);
  const commands: string[][] = [];
  connection.onPush((reply) => {
    if (typeof reply !== "string") return;
    // `1700000000.123456 [0 127.0.0.1:50000] "set" "key" "value" "PX" "250"`
    const args = [...reply.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) =>
      (match[1] as string).replace(/\\(.)/g, "$1"),
    );
    if (args.length > 0) commands.push(args);
  });
  await connection.command(["MONITOR"]);
  return { commands, stop: () => connection.close() };
}
