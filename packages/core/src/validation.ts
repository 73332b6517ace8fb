/**
 * Input checks shared by every backend, so each rejects bad input with the same typed error.
 * TTLs are seconds (fractional allowed) and become whole milliseconds, rounded up. Keys must be
 * well-formed UTF-16: a lone surrogate becomes U+FFFD in UTF-8, so two different strings would
 * name one Redis key (or hash alike).
 */
import { ApiKeyCacheError } from "./errors.js";

/**
 * Check a TTL and convert it to whole milliseconds (`ceil(ttl * 1000)`, exact for a TTL in whole
 * milliseconds such as 2.007); `0` means "store nothing".
 * @throws ApiKeyCacheError `E_INVALID_TTL` for NaN, ±Infinity, a non-number, or a TTL whose
 * milliseconds exceed `Number.MAX_SAFE_INTEGER`.
 */
export function ttlToMilliseconds(ttlSeconds: number): number {
  if (typeof ttlSeconds !== "number" || !Number.isFinite(ttlSeconds)) {
    throw new ApiKeyCacheError(
      "E_INVALID_TTL",
      `ttlSeconds must be a finite number of seconds, got ${describe(ttlSeconds)}`,
    );
  }
  if (ttlSeconds <= 0) return 0;
  // `ttl * 1000` carries binary rounding error (2.007 * 1000 is 2007.0000000000002), which a
  // plain ceil turns into an extra millisecond; drop it at microsecond precision first. A
  // positive TTL never rounds down to "store nothing".
  const milliseconds = Math.max(1, Math.ceil(Math.round(ttlSeconds * 1_000_000) / 1000));
  if (!Number.isSafeInteger(milliseconds)) {
    throw new ApiKeyCacheError(
      "E_INVALID_TTL",
      `ttlSeconds is too large to hold in milliseconds, got ${describe(ttlSeconds)}`,
    );
  }
  return milliseconds;
}

/**
 * Check a cache key.
 * @throws ApiKeyCacheError `E_INVALID_KEY` unless `cacheKey` is a non-empty, well-formed
 * string (no lone surrogate, see {@link isWellFormedString}).
 */
export function assertCacheKey(cacheKey: unknown): asserts cacheKey is string {
  if (typeof cacheKey !== "string" || cacheKey.length === 0) {
    throw new ApiKeyCacheError(
      "E_INVALID_KEY",
      `cache key must be a non-empty string, got ${describe(cacheKey)}`,
    );
  }
  if (!isWellFormedString(cacheKey)) {
    throw new ApiKeyCacheError(
      "E_INVALID_KEY",
      "cache key must be well-formed UTF-16, got a string with a lone surrogate",
    );
  }
}

/**
 * True unless `text` holds a lone surrogate (`String.prototype.isWellFormed`, Node 20+). Such a
 * string cannot be encoded as UTF-8: the encoder replaces each lone surrogate with U+FFFD, so
 * `"sk_\uD800"` and `"sk_\uDFFF"` would hash alike and name the same Redis key.
 */
export function isWellFormedString(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/** A short, safe description of a bad input for an error message (never the whole value). */
export function describe(input: unknown): string {
  if (typeof input === "string") return input.length === 0 ? "an empty string" : "a string";
  if (typeof input === "number") return String(input);
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  return typeof input === "object" ? "an object" : typeof input;
}
