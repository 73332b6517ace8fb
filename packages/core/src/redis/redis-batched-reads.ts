/**
 * The two reads the engine batches, as {@link BatchedRead}s: `get` (one key: `GET`; more:
 * `MGET`) and `getWithTtl` (one key: `GET` + `PTTL` pipelined; more: one read-only script, `EVALSHA_RO`, so
 * it is never held back like a write, e.g. by `CLIENT PAUSE WRITE`, even before it is cached). Each caller's
 * reply is decoded for that caller alone (its own copy; an undecodable entry is a miss for that
 * key only). The tricky point is WRONGTYPE: `GET` fails on a key of another type, but `MGET`
 * answers nil for it, the same as for a missing key. Such a key reads as a miss either way; to
 * still find and remove it, the nil keys of an `MGET` are handed to `onNilKeys` (the backend
 * checks them in the background, one `EXISTS` for the batch), so the hit path pays nothing.
 */
import type { CachedApiKey, CachedApiKeyWithTtl } from "../backend.js";
import type { RedisCommandRunner } from "./redis-command-runner.js";
import { isWrongTypeError } from "./redis-errors.js";
import { entryWithPttl } from "./redis-keyspace.js";
import type { BatchedRead, ReadCaller } from "./redis-read-batcher.js";
import {
  GET_WITH_PTTL_SCRIPT,
  GET_WITH_PTTL_SCRIPT_SHA,
  isNoScriptError,
  WRONG_TYPE_PTTL,
} from "./redis-read-script.js";
import { WRONG_TYPE } from "./undecodable-cleanup.js";

/**
 * Turns what was read for `key` (the client's reply, nil for a miss, or {@link WRONG_TYPE})
 * into the caller's value, reporting and removing an undecodable entry.
 */
export type ReadDecoder<V> = (key: string, raw: unknown) => V | undefined;

/** `get`: `GET` for one key, `MGET` for more; nil keys of an `MGET` go to `onNilKeys`. */
export function batchedGet<V extends CachedApiKey>(
  decode: ReadDecoder<V>,
  onNilKeys: (keys: string[]) => void,
): BatchedRead<V | undefined> {
  return {
    command: "GET",
    send(runner, keys, callers) {
      if (keys.length === 1) {
        sendOneGet(runner, keys[0] as string, callers[0] as ReadCaller<V | undefined>, decode);
        return;
      }
      runner.start(keys[0] as string, ["MGET", ...keys]).then(
        (reply) => {
          const values = reply as unknown[];
          const nilKeys: string[] = [];
          for (let i = 0; i < callers.length; i++) {
            const key = keys[i] as string;
            const raw = values[i];
            if (raw === null || raw === undefined) nilKeys.push(key);
            settle(callers[i] as ReadCaller<V | undefined>, decode, key, raw);
          }
          if (nilKeys.length > 0) onNilKeys(nilKeys);
        },
        (error: unknown) => rejectAll(callers, error),
      );
    },
  };
}

/** `getWithTtl`: `GET` + `PTTL` for one key, one script for more. */
export function batchedGetWithTtl<V extends CachedApiKey>(
  decode: ReadDecoder<V>,
): BatchedRead<CachedApiKeyWithTtl<V> | undefined> {
  return {
    command: "GET+PTTL",
    send(runner, keys, callers) {
      type Caller = ReadCaller<CachedApiKeyWithTtl<V> | undefined>;
      if (keys.length === 1) {
        sendOneGetWithTtl(runner, keys[0] as string, callers[0] as Caller, decode);
        return;
      }
      const routingKey = keys[0] as string;
      const count = String(keys.length);
      runner
        .start(routingKey, ["EVALSHA_RO", GET_WITH_PTTL_SCRIPT_SHA, count, ...keys])
        .catch((error: unknown) => {
          // Not cached on this node yet (a restart, a new node): EVAL_RO sends and caches it.
          if (!isNoScriptError(error)) throw error;
          return runner.start(routingKey, ["EVAL_RO", GET_WITH_PTTL_SCRIPT, count, ...keys]);
        })
        .then(
          (reply) => {
            const pairs = reply as unknown[];
            for (let i = 0; i < callers.length; i++) {
              const pttl = pairs[2 * i + 1];
              const raw = Number(pttl) === WRONG_TYPE_PTTL ? WRONG_TYPE : pairs[2 * i];
              settleWithTtl(callers[i] as Caller, decode, keys[i] as string, raw, pttl);
            }
          },
          (error: unknown) => rejectAll(callers, error),
        );
    },
  };
}

function sendOneGet<V extends CachedApiKey>(
  runner: RedisCommandRunner,
  key: string,
  caller: ReadCaller<V | undefined>,
  decode: ReadDecoder<V>,
): void {
  runner.start(key, ["GET", key]).then(
    (raw) => settle(caller, decode, key, raw),
    (error: unknown) => {
      if (isWrongTypeError(error)) settle(caller, decode, key, WRONG_TYPE);
      else caller.fail(error);
    },
  );
}

function sendOneGetWithTtl<V extends CachedApiKey>(
  runner: RedisCommandRunner,
  key: string,
  caller: ReadCaller<CachedApiKeyWithTtl<V> | undefined>,
  decode: ReadDecoder<V>,
): void {
  // Written in the same tick, so pipelined by the client: one round trip for the pair.
  const value = runner.start(key, ["GET", key]).then(undefined, (error: unknown) => {
    if (isWrongTypeError(error)) return WRONG_TYPE;
    throw error;
  });
  const pttl = runner.start(key, ["PTTL", key]);
  Promise.all([value, pttl]).then(
    ([raw, ttl]) => settleWithTtl(caller, decode, key, raw, ttl),
    (error: unknown) => caller.fail(error),
  );
}

/** Decode for this caller alone; a throwing logger fails this caller only. */
function settle<V extends CachedApiKey>(
  caller: ReadCaller<V | undefined>,
  decode: ReadDecoder<V>,
  key: string,
  raw: unknown,
): void {
  try {
    caller.settle(decode(key, raw));
  } catch (error) {
    caller.fail(error);
  }
}

function settleWithTtl<V extends CachedApiKey>(
  caller: ReadCaller<CachedApiKeyWithTtl<V> | undefined>,
  decode: ReadDecoder<V>,
  key: string,
  raw: unknown,
  pttl: unknown,
): void {
  try {
    const value = decode(key, raw);
    caller.settle(value === undefined ? undefined : entryWithPttl(value, pttl));
  } catch (error) {
    caller.fail(error);
  }
}

function rejectAll<R>(callers: readonly ReadCaller<R>[], error: unknown): void {
  for (const caller of callers) caller.fail(error);
}
