/**
 * The scripts behind batched reads, each in two forms: flagged (`#!lua flags=…`, Redis 7, sent
 * with `EVALSHA_RO` / `EVAL_RO`) and plain (no shebang, for `EVALSHA` / `EVAL` on a server
 * that does not know the `_RO` commands, e.g. Redis 6; see `redis-read-script-sender`).
 * - `GET_WITH_PTTL`: every key's value and PTTL in one command (a GET plus a PTTL per key
 *   pipelined costs the client a command per key, about 2.5x slower), keys declared, one slot.
 * - the cross-slot reads (`CROSS_SLOT_GET`, `CROSS_SLOT_GET_WITH_PTTL`): the keys of one
 *   cluster master, of many slots, in one command. Only the first key is declared (it routes
 *   the command); the others come as `ARGV` (Redis refuses declared keys of several slots with
 *   CROSSSLOT) and are read under `allow-cross-slot-keys`.
 * The tricky points: each GET runs under `pcall`, so one bad key does not fail the batch. A
 * key of another type comes back as {@link WRONG_TYPE_PTTL}; a key this node does not serve
 * (its slot moved or is migrating: Redis answers "Script attempted to access a non local key")
 * as {@link READ_ALONE}, and that caller is then read by a plain per-key command, which the
 * client redirects (MOVED/ASK). Both are integers, which no GET ever returns.
 */
import { createHash } from "node:crypto";

/** A key of another type, in the PTTL slot (or, for a cross-slot GET, the value slot). */
export const WRONG_TYPE_PTTL: number = -3;

/** A key the node running the script does not serve: read it alone (cross-slot scripts). */
export const READ_ALONE: number = -4;

/** One script in both forms, with their SHA1s. */
export interface ReadScript {
  /** With the Redis 7 shebang flags, for `EVALSHA_RO` / `EVAL_RO`. */
  readonly flagged: string;
  readonly flaggedSha: string;
  /** Without a shebang, for `EVALSHA` / `EVAL` (Redis 6, or `_RO` commands renamed away). */
  readonly plain: string;
  readonly plainSha: string;
}

function readScript(flags: string, body: string): ReadScript {
  const flagged = `#!lua flags=${flags}\n${body}`;
  return { flagged, flaggedSha: sha1(flagged), plain: body, plainSha: sha1(body) };
}

function sha1(source: string): string {
  return createHash("sha1").update(source).digest("hex");
}

/**
 * `KEYS` (one slot) → `[value1, pttl1, value2, pttl2, …]`; a missing key gives a nil value (its
 * PTTL `-2`), a key of another type a nil value and {@link WRONG_TYPE_PTTL}. Read-only
 * (`no-writes`), so the flagged form runs under `maxmemory` pressure and `CLIENT PAUSE WRITE`.
 */
export const GET_WITH_PTTL: ReadScript = readScript(
  "no-writes",
  `local reply = {}
for i, key in ipairs(KEYS) do
  local value = redis.pcall('GET', key)
  if type(value) == 'table' and value.err then
    reply[2 * i - 1] = false
    reply[2 * i] = ${WRONG_TYPE_PTTL}
  else
    reply[2 * i - 1] = value
    reply[2 * i] = redis.call('PTTL', key)
  end
end
return reply
`,
);

/**
 * `KEYS[1]` (routing only), `ARGV` = the keys, of any slots of one master → one entry per key:
 * the value, nil (missing), {@link WRONG_TYPE_PTTL} or {@link READ_ALONE}.
 */
export const CROSS_SLOT_GET: ReadScript = readScript(
  "no-writes,allow-cross-slot-keys",
  `local reply = {}
for i, key in ipairs(ARGV) do
  local value = redis.pcall('GET', key)
  if type(value) == 'table' and value.err then
    if string.sub(value.err, 1, 9) == 'WRONGTYPE' then
      reply[i] = ${WRONG_TYPE_PTTL}
    else
      reply[i] = ${READ_ALONE}
    end
  else
    reply[i] = value
  end
end
return reply
`,
);

/**
 * As {@link CROSS_SLOT_GET}, with PTTLs: `[value1, pttl1, …]`, the PTTL slot
 * {@link WRONG_TYPE_PTTL} or {@link READ_ALONE} (value nil) for a key that could not be read.
 */
export const CROSS_SLOT_GET_WITH_PTTL: ReadScript = readScript(
  "no-writes,allow-cross-slot-keys",
  `local reply = {}
for i, key in ipairs(ARGV) do
  local value = redis.pcall('GET', key)
  if type(value) == 'table' and value.err then
    reply[2 * i - 1] = false
    if string.sub(value.err, 1, 9) == 'WRONGTYPE' then
      reply[2 * i] = ${WRONG_TYPE_PTTL}
    else
      reply[2 * i] = ${READ_ALONE}
    end
  else
    reply[2 * i - 1] = value
    reply[2 * i] = redis.call('PTTL', key)
  end
end
return reply
`,
);

/** A NOSCRIPT reply: the server does not have the script cached (restarted, flushed, new node). */
export function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

/** The server does not know `command` (Redis 6 for `EVALSHA_RO`, or renamed away). */
export function isUnknownCommandError(error: unknown, command: string): boolean {
  if (!(error instanceof Error)) return false;
  const message = error.message.toLowerCase();
  return message.startsWith("err unknown command") && message.includes(command.toLowerCase());
}
