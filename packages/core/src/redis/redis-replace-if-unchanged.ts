/**
 * Compare-and-set on Redis for `replaceIfUnchanged`: one Lua script, atomic on the server,
 * that replaces a key only while it still holds exactly the bytes the caller expects. The
 * tricky points: the comparison is on the stored bytes against what `expected` encodes to
 * (compact JSON, `_freshUntil` and every other field included), so an entry written by another
 * encoder (the Python module's spaced JSON) never compares equal and is left alone, which is
 * the safe answer; and a key of another type is "changed", not an error (`pcall` turns the
 * WRONGTYPE reply of GET into a table, which equals no string).
 */
import type { RedisCommandRunner } from "./redis-command-runner.js";

/**
 * `SET KEYS[1] ARGV[2] PX ARGV[3]` only if `GET KEYS[1]` is exactly ARGV[1]. Returns 1 if it
 * replaced, 0 otherwise (absent, expired, another value, another type).
 */
export const REPLACE_IF_UNCHANGED_SCRIPT = `
local current = redis.pcall('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`;

/**
 * Send the compare-and-set for `key` (plain EVAL, routed by the key: on a cluster it runs on
 * the key's master). `expected` and `encoded` are already-encoded entries, `ttlMs > 0`.
 * @returns whether the entry was replaced
 * @throws ApiKeyCacheError as any runner call (deadline, closed, unavailable)
 */
export async function replaceIfUnchangedOnRedis(
  runner: RedisCommandRunner,
  key: string,
  expected: string,
  encoded: string,
  ttlMs: number,
): Promise<boolean> {
  const argv = ["EVAL", REPLACE_IF_UNCHANGED_SCRIPT, "1", key, expected, encoded, String(ttlMs)];
  return Number(await runner.send(key, argv, "EVAL replaceIfUnchanged")) === 1;
}
