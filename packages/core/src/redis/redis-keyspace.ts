/**
 * Pure helpers that both Redis packages share so their keyspace and scripts are identical.
 * No client is imported here.
 */
import type { CachedApiKey, CachedApiKeyWithTtl } from "../backend.js";
import { ApiKeyCacheError } from "../errors.js";

/** Keys deleted per UNLINK (and counted per SCAN page) by `clear()`. */
export const CLEAR_BATCH_SIZE = 500;

/**
 * Check a key prefix.
 * @throws ApiKeyCacheError `E_CONFIG` for an empty or non-string prefix (`clear()` would
 * otherwise remove every key in the database).
 */
export function assertKeyPrefix(keyPrefix: unknown, owner: string): asserts keyPrefix is string {
  if (typeof keyPrefix !== "string" || keyPrefix.length === 0) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: keyPrefix must be a non-empty string (an empty prefix would let clear() delete every key)`,
    );
  }
}

/** Escape the glob characters `* ? [ ] \` so a SCAN MATCH pattern matches the prefix literally. */
export function escapeRedisGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

/** The SCAN MATCH pattern for every key under `keyPrefix`. */
export function prefixScanPattern(keyPrefix: string): string {
  return `${escapeRedisGlob(keyPrefix)}*`;
}

/**
 * Compare-and-delete for an undecodable entry: delete KEYS[1] only if it still holds ARGV[1]
 * (when ARGV[2] is "string") or is still of type ARGV[2] (any other type). Returns 1 if deleted.
 */
export const DELETE_IF_UNCHANGED_SCRIPT = `
local t = redis.call('TYPE', KEYS[1])
if type(t) == 'table' then t = t['ok'] end
if ARGV[2] == 'string' then
  if t == 'string' and redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('UNLINK', KEYS[1])
  end
  return 0
end
if t == ARGV[2] then return redis.call('UNLINK', KEYS[1]) end
return 0
`;

/**
 * Pair a decoded GET reply with the PTTL reply sent with it (`getWithTtl`). PTTL `-2` (the key
 * vanished between the two) and `0` (it expires this very millisecond) read as a miss; `-1`
 * (a key without expiry, written by another program) as `Number.POSITIVE_INFINITY`.
 */
export function entryWithPttl<V extends CachedApiKey>(
  value: V,
  pttl: unknown,
): CachedApiKeyWithTtl<V> | undefined {
  const ttlMs = Number(pttl);
  if (ttlMs === -1) return { value, ttlMs: Number.POSITIVE_INFINITY };
  return ttlMs > 0 ? { value, ttlMs } : undefined;
}

/** Cluster hash slot of a key (CRC16/XMODEM of the hash tag or whole key, mod 16384). */
export function clusterKeySlot(key: string): number {
  let start = key.indexOf("{");
  let end = -1;
  if (start !== -1) {
    end = key.indexOf("}", start + 1);
    if (end === -1 || end === start + 1) start = -1;
  }
  const bytes = Buffer.from(start === -1 ? key : key.slice(start + 1, end), "utf8");
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc % 16384;
}

/**
 * The UNLINK commands `clear()` sends for one SCAN reply: at most {@link CLEAR_BATCH_SIZE} keys
 * each (SCAN may return more than COUNT: whole hash buckets), and on a cluster grouped by slot
 * so no command spans two slots (CROSSSLOT).
 */
export function unlinkBatches(keys: readonly string[], cluster: boolean): string[][] {
  const groups = cluster ? groupBySlot(keys) : [keys];
  const batches: string[][] = [];
  for (const group of groups) {
    for (let start = 0; start < group.length; start += CLEAR_BATCH_SIZE) {
      batches.push(group.slice(start, start + CLEAR_BATCH_SIZE));
    }
  }
  return batches;
}

function groupBySlot(keys: readonly string[]): string[][] {
  const groups = new Map<number, string[]>();
  for (const key of keys) {
    const slot = clusterKeySlot(key);
    const group = groups.get(slot);
    if (group === undefined) groups.set(slot, [key]);
    else group.push(key);
  }
  return [...groups.values()];
}
