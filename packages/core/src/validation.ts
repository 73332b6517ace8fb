/**
 * Input checks shared by every backend, so each rejects bad input with the same typed error.
 * TTLs are seconds (fractional allowed) and become whole milliseconds, rounded up.
 */
import { ApiKeyCacheError } from "./errors.js";

/**
 * Check a TTL and convert it to whole milliseconds (`ceil(ttl * 1000)`); `0` means "store nothing".
 * @throws ApiKeyCacheError `E_INVALID_TTL` for NaN, ±Infinity or a non-number.
 */
export function ttlToMilliseconds(ttlSeconds: number): number {
  if (typeof ttlSeconds !== "number" || !Number.isFinite(ttlSeconds)) {
    throw new ApiKeyCacheError(
      "E_INVALID_TTL",
      `ttlSeconds must be a finite number of seconds, got ${describe(ttlSeconds)}`,
    );
  }
  return ttlSeconds <= 0 ? 0 : Math.ceil(ttlSeconds * 1000);
}

/**
 * Check a cache key.
 * @throws ApiKeyCacheError `E_INVALID_KEY` unless `cacheKey` is a non-empty string.
 */
export function assertCacheKey(cacheKey: unknown): asserts cacheKey is string {
  if (typeof cacheKey !== "string" || cacheKey.length === 0) {
    throw new ApiKeyCacheError(
      "E_INVALID_KEY",
      `cache key must be a non-empty string, got ${describe(cacheKey)}`,
    );
  }
}

/** A short, safe description of a bad input for an error message (never the whole value). */
export function describe(input: unknown): string {
  if (typeof input === "string") return input.length === 0 ? "an empty string" : "a string";
  if (typeof input === "number") return String(input);
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  return typeof input === "object" ? "an object" : typeof input;
}
