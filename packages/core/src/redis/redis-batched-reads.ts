/**
 * The two reads the engine batches, as {@link BatchedRead}s: `get` (one key: `GET`; more:
 * `MGET`) and `getWithTtl` (one key: `GET` + `PTTL` pipelined; more: one script). The tricky
 * point is WRONGTYPE: `GET` fails on a key of another type, but `MGET` answers nil for it, the
 * same as for a missing key. Such a key reads as a miss either way; to still find and remove
 * it, the nil keys of an `MGET` are handed to `onNilKeys` (the backend checks them in the
 * background, one `EXISTS` for the batch), so the hit path pays nothing for it.
 */

import type { RedisCommandRunner } from "./redis-command-runner.js";
import { isWrongTypeError } from "./redis-errors.js";
import type { BatchedRead, ReadCaller } from "./redis-read-batcher.js";
import {
  GET_WITH_PTTL_SCRIPT,
  GET_WITH_PTTL_SCRIPT_SHA,
  isNoScriptError,
  WRONG_TYPE_PTTL,
} from "./redis-read-script.js";
import { WRONG_TYPE } from "./undecodable-cleanup.js";

/** A value as read: the client's reply (a string, or nil for a miss), or {@link WRONG_TYPE}. */
export type RawRead = unknown;
/** A value as read and its PTTL reply. */
export type RawReadWithPttl = readonly [raw: RawRead, pttl: unknown];

/** `get`: `GET` for one key, `MGET` for more; nil keys of an `MGET` go to `onNilKeys`. */
export function batchedGet(onNilKeys: (keys: string[]) => void): BatchedRead<RawRead> {
  return {
    command: "GET",
    send(runner, keys, callers) {
      if (keys.length === 1) {
        sendOneGet(runner, keys[0] as string, callers[0] as ReadCaller<RawRead>);
        return;
      }
      runner.start(keys[0] as string, ["MGET", ...keys]).then(
        (reply) => {
          const values = reply as unknown[];
          const nilKeys: string[] = [];
          for (let i = 0; i < callers.length; i++) {
            const value = values[i];
            if (value === null || value === undefined) nilKeys.push(keys[i] as string);
            (callers[i] as ReadCaller<RawRead>).resolve(value);
          }
          if (nilKeys.length > 0) onNilKeys(nilKeys);
        },
        (error: unknown) => rejectAll(callers, error),
      );
    },
  };
}

/** `getWithTtl`: `GET` + `PTTL` for one key, one script for more. */
export const batchedGetWithTtl: BatchedRead<RawReadWithPttl> = {
  command: "GET+PTTL",
  send(runner, keys, callers) {
    if (keys.length === 1) {
      sendOneGetWithTtl(runner, keys[0] as string, callers[0] as ReadCaller<RawReadWithPttl>);
      return;
    }
    const routingKey = keys[0] as string;
    const count = String(keys.length);
    runner
      .start(routingKey, ["EVALSHA", GET_WITH_PTTL_SCRIPT_SHA, count, ...keys])
      .catch((error: unknown) => {
        // Not cached on this node yet (a restart, a new node): EVAL sends it and caches it.
        if (!isNoScriptError(error)) throw error;
        return runner.start(routingKey, ["EVAL", GET_WITH_PTTL_SCRIPT, count, ...keys]);
      })
      .then(
        (reply) => {
          const pairs = reply as unknown[];
          for (let i = 0; i < callers.length; i++) {
            const pttl = pairs[2 * i + 1];
            const raw = Number(pttl) === WRONG_TYPE_PTTL ? WRONG_TYPE : pairs[2 * i];
            (callers[i] as ReadCaller<RawReadWithPttl>).resolve([raw, pttl]);
          }
        },
        (error: unknown) => rejectAll(callers, error),
      );
  },
};

function sendOneGet(runner: RedisCommandRunner, key: string, caller: ReadCaller<RawRead>): void {
  runner.start(key, ["GET", key]).then(
    (raw) => caller.resolve(raw),
    (error: unknown) => {
      if (isWrongTypeError(error)) caller.resolve(WRONG_TYPE);
      else caller.reject(error);
    },
  );
}

function sendOneGetWithTtl(
  runner: RedisCommandRunner,
  key: string,
  caller: ReadCaller<RawReadWithPttl>,
): void {
  // Written in the same tick, so pipelined by the client: one round trip for the pair.
  const value = runner.start(key, ["GET", key]).then(undefined, (error: unknown) => {
    if (isWrongTypeError(error)) return WRONG_TYPE;
    throw error;
  });
  const pttl = runner.start(key, ["PTTL", key]);
  Promise.all([value, pttl]).then(
    (pair) => caller.resolve(pair),
    (error: unknown) => caller.reject(error),
  );
}

function rejectAll<R>(callers: readonly ReadCaller<R>[], error: unknown): void {
  for (const caller of callers) caller.reject(error);
}
