/**
 * The script behind a batched `getWithTtl`: every key's value and PTTL in one command (a GET
 * plus a PTTL per key pipelined costs the client a command per key, about 2.5x slower). The
 * tricky point is WRONGTYPE: the GET runs under `pcall`, so a key of another type does not fail
 * the whole batch; it comes back as a nil value with the PTTL `-3`, which Redis never returns.
 */
import { createHash } from "node:crypto";

/** PTTL slot of a key of another type in {@link GET_WITH_PTTL_SCRIPT}'s reply. */
export const WRONG_TYPE_PTTL: number = -3;

/**
 * `KEYS` → `[value1, pttl1, value2, pttl2, …]`; a missing key gives a nil value (its PTTL `-2`),
 * a key of another type a nil value and {@link WRONG_TYPE_PTTL}. Read-only (`no-writes`;
 * sent with `EVALSHA_RO` / `EVAL_RO`, Redis 7), so it runs under `maxmemory` pressure and
 * `CLIENT PAUSE WRITE` too.
 */
export const GET_WITH_PTTL_SCRIPT: string = `#!lua flags=no-writes
local reply = {}
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
`;

/** SHA1 of {@link GET_WITH_PTTL_SCRIPT}, for EVALSHA_RO. */
export const GET_WITH_PTTL_SCRIPT_SHA: string = createHash("sha1")
  .update(GET_WITH_PTTL_SCRIPT)
  .digest("hex");

/** A NOSCRIPT reply: the server does not have the script cached (restarted, flushed, new node). */
export function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}
