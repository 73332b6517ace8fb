/**
 * The two reads the engine batches, as {@link BatchedRead}s: `get` (one key: `GET`; more in
 * one slot: `MGET`) and `getWithTtl` (one key: `GET` + `PTTL` pipelined; more in one slot: one
 * read-only script). A batch of one cluster master spanning several slots goes as one
 * cross-slot script (`redis-read-script`); a key that script could not read on that node (its
 * slot moved or is migrating) is read again alone, by a command the client routes and
 * redirects. Each caller's reply is decoded for that caller alone (deep-frozen, shared with
 * reads of the same bytes; an undecodable entry is a miss for that key only). The tricky point is WRONGTYPE: `GET` fails
 * on a key of another type, but `MGET` answers nil for it, the same as for a missing key. Such
 * a key reads as a miss either way; to still find and remove it, the nil keys of an `MGET` are
 * handed to `onNilKeys` (the backend checks them in the background, one `EXISTS` for the
 * batch), so the hit path pays nothing.
 */
import type { CachedApiKey, CachedApiKeyWithTtl } from "../backend.js";
import type { RedisCommandRunner } from "./redis-command-runner.js";
import { isWrongTypeError } from "./redis-errors.js";
import { entryWithPttl } from "./redis-keyspace.js";
import type { BatchedRead, ReadCaller } from "./redis-read-batcher.js";
import {
  CROSS_SLOT_GET,
  CROSS_SLOT_GET_WITH_PTTL,
  GET_WITH_PTTL,
  READ_ALONE,
  WRONG_TYPE_PTTL,
} from "./redis-read-script.js";
import type { RedisReadScriptSender } from "./redis-read-script-sender.js";
import { WRONG_TYPE } from "./undecodable-cleanup.js";

/**
 * Turns what was read for `key` (the client's reply, nil for a miss, or {@link WRONG_TYPE})
 * into the caller's value, reporting and removing an undecodable entry.
 */
export type ReadDecoder<V> = (key: string, raw: unknown) => V | undefined;

/**
 * `get`: `GET` for one key, `MGET` for more of one slot, the cross-slot script for more of
 * several; nil keys of an `MGET` go to `onNilKeys`.
 */
export function batchedGet<V extends CachedApiKey>(
  decode: ReadDecoder<V>,
  onNilKeys: (keys: string[]) => void,
  scripts: RedisReadScriptSender,
): BatchedRead<V | undefined> {
  type Caller = ReadCaller<V | undefined>;
  const readOne = (runner: RedisCommandRunner, key: string, caller: Caller): void =>
    sendOneGet(runner, key, caller, decode);
  return {
    command: "GET",
    send(runner, keys, callers, crossSlot) {
      if (keys.length === 1) {
        sendOneGet(runner, keys[0] as string, callers[0] as Caller, decode);
        return;
      }
      if (crossSlot) {
        sendCrossSlot(runner, scripts, CROSS_SLOT_GET, keys).then(
          (reply) => {
            const values = reply as unknown[];
            for (let i = 0; i < callers.length; i++) {
              const key = keys[i] as string;
              const caller = callers[i] as Caller;
              const raw = values[i];
              if (raw === READ_ALONE) sendOneGet(runner, key, caller, decode);
              else settle(caller, decode, key, raw === WRONG_TYPE_PTTL ? WRONG_TYPE : raw);
            }
          },
          (error: unknown) => failOrReadAlone(error, keys, callers, readOne, runner),
        );
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
            settle(callers[i] as Caller, decode, key, raw);
          }
          if (nilKeys.length > 0) onNilKeys(nilKeys);
        },
        (error: unknown) => failOrReadAlone(error, keys, callers, readOne, runner),
      );
    },
  };
}

/** `getWithTtl`: `GET` + `PTTL` for one key, one script for more. */
export function batchedGetWithTtl<V extends CachedApiKey>(
  decode: ReadDecoder<V>,
  scripts: RedisReadScriptSender,
): BatchedRead<CachedApiKeyWithTtl<V> | undefined> {
  type Caller = ReadCaller<CachedApiKeyWithTtl<V> | undefined>;
  const readOne = (runner: RedisCommandRunner, key: string, caller: Caller): void =>
    sendOneGetWithTtl(runner, key, caller, decode);
  return {
    command: "GET+PTTL",
    send(runner, keys, callers, crossSlot) {
      if (keys.length === 1) {
        sendOneGetWithTtl(runner, keys[0] as string, callers[0] as Caller, decode);
        return;
      }
      const reply = crossSlot
        ? sendCrossSlot(runner, scripts, CROSS_SLOT_GET_WITH_PTTL, keys)
        : scripts.send(runner, GET_WITH_PTTL, keys[0] as string, [String(keys.length), ...keys]);
      reply.then(
        (pairs) => {
          const replies = pairs as unknown[];
          for (let i = 0; i < callers.length; i++) {
            const key = keys[i] as string;
            const caller = callers[i] as Caller;
            const pttl = replies[2 * i + 1];
            if (Number(pttl) === READ_ALONE) {
              sendOneGetWithTtl(runner, key, caller, decode);
              continue;
            }
            const raw = Number(pttl) === WRONG_TYPE_PTTL ? WRONG_TYPE : replies[2 * i];
            settleWithTtl(caller, decode, key, raw, pttl);
          }
        },
        (error: unknown) => failOrReadAlone(error, keys, callers, readOne, runner),
      );
    },
  };
}

/** A cross-slot script: routed by the first key (`KEYS[1]`), every key in `ARGV`. */
function sendCrossSlot(
  runner: RedisCommandRunner,
  scripts: RedisReadScriptSender,
  script: typeof CROSS_SLOT_GET,
  keys: string[],
): Promise<unknown> {
  const routingKey = keys[0] as string;
  return scripts.send(runner, script, routingKey, ["1", routingKey, ...keys]);
}

/**
 * A lone read that got a redirect back (the client did not follow it; see
 * {@link failOrReadAlone}) is sent once more, routed afresh; a second one fails the caller.
 */
const ONE_MORE_TRY = 1;

function sendOneGet<V extends CachedApiKey>(
  runner: RedisCommandRunner,
  key: string,
  caller: ReadCaller<V | undefined>,
  decode: ReadDecoder<V>,
  redirectsLeft = ONE_MORE_TRY,
): void {
  runner.start(key, ["GET", key]).then(
    (raw) => settle(caller, decode, key, raw),
    (error: unknown) => {
      if (isWrongTypeError(error)) settle(caller, decode, key, WRONG_TYPE);
      else if (redirectsLeft > 0 && isRedirectError(error)) {
        sendOneGet(runner, key, caller, decode, redirectsLeft - 1);
      } else caller.fail(error);
    },
  );
}

function sendOneGetWithTtl<V extends CachedApiKey>(
  runner: RedisCommandRunner,
  key: string,
  caller: ReadCaller<CachedApiKeyWithTtl<V> | undefined>,
  decode: ReadDecoder<V>,
  redirectsLeft = ONE_MORE_TRY,
): void {
  // Written in the same tick, so pipelined by the client: one round trip for the pair.
  const value = runner.start(key, ["GET", key]).then(undefined, (error: unknown) => {
    if (isWrongTypeError(error)) return WRONG_TYPE;
    throw error;
  });
  const pttl = runner.start(key, ["PTTL", key]);
  Promise.all([value, pttl]).then(
    ([raw, ttl]) => settleWithTtl(caller, decode, key, raw, ttl),
    (error: unknown) => {
      if (redirectsLeft > 0 && isRedirectError(error)) {
        sendOneGetWithTtl(runner, key, caller, decode, redirectsLeft - 1);
      } else caller.fail(error);
    },
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

/**
 * A batch failed. A redirect that reached the engine (MOVED/ASK: the client did not follow
 * it, e.g. ioredis does not retry an auto-pipeline whose commands got different replies while
 * a slot moves) means the batch hit a node that no longer serves its first key: read each
 * caller alone, which the client routes afresh. Any other error fails every caller.
 */
function failOrReadAlone<R>(
  error: unknown,
  keys: readonly string[],
  callers: readonly ReadCaller<R>[],
  readOne: (runner: RedisCommandRunner, key: string, caller: ReadCaller<R>) => void,
  runner: RedisCommandRunner,
): void {
  if (!isRedirectError(error)) {
    for (const caller of callers) caller.fail(error);
    return;
  }
  for (let i = 0; i < callers.length; i++) {
    readOne(runner, keys[i] as string, callers[i] as ReadCaller<R>);
  }
}

/** A cluster redirect reply: `MOVED <slot> <host:port>` or `ASK <slot> <host:port>`. */
function isRedirectError(error: unknown): boolean {
  return error instanceof Error && /^(MOVED|ASK) \d+ /.test(error.message);
}
