/**
 * The check of what a loader returns, before the resolver caches or returns it. A record is a
 * cacheable value (see `copyCachedApiKey`) whose optional `expiresAt` is epoch milliseconds:
 * anything else there (an ISO string, a Date) would be silently ignored and the key cached
 * active past its expiry, so it is refused instead.
 */
import type { CachedApiKey } from "./backend.js";
import { ApiKeyCacheError } from "./errors.js";
import { describe } from "./validation.js";
import { frozenCopyOfCachedApiKey } from "./value-codec.js";

/**
 * Check a loaded record and return the deep-frozen plain copy the resolver caches and returns
 * (each field read once, so what is checked is what is stored; frozen like every value a
 * backend hands out, since every caller waiting on the load gets this one object).
 * @throws ApiKeyCacheError `E_INVALID_VALUE` for a value `encodeCachedApiKey` refuses, or an
 * `expiresAt` that is neither a finite number (epoch ms), `null` nor absent.
 */
export function checkLoadedRecord<V extends CachedApiKey>(record: V): V {
  const copy = frozenCopyOfCachedApiKey(record);
  const expiresAt = copy.expiresAt;
  if (expiresAt !== undefined && expiresAt !== null && typeof expiresAt !== "number") {
    throw new ApiKeyCacheError(
      "E_INVALID_VALUE",
      `load returned a record whose expiresAt is ${describe(expiresAt)}; expiresAt must be epoch milliseconds (a number) or null (convert an ISO date with Date.parse in the loader)`,
    );
  }
  return copy;
}
