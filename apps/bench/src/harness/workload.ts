/**
 * The shared workload: API keys, their sha256 cache keys and a small cached record, the same
 * for every suite so figures can be compared across suites.
 */
import { randomBytes } from "node:crypto";
import type { CachedApiKey } from "@apikey/core";
import { hashApiKey } from "@apikey/core";

/** Keys in the working set of every hit benchmark. */
export const KEY_COUNT = 10_000;

/** Long enough that nothing expires during a bench run. */
export const LONG_TTL_SECONDS = 3600;

/** One API key as the service sees it. */
export interface ApiKeyFixture {
  plaintext: string;
  /** sha256 hex of the plaintext: the cache key. */
  hash: string;
  record: CachedApiKey;
}

/** A small record, like a real lookup result (~120 bytes of JSON). */
export function makeRecord(index: number): CachedApiKey {
  return {
    apiKey: `ak_${index.toString(36).padStart(6, "0")}`,
    active: true,
    ownerId: `user-${index}`,
    scopes: ["read", "write"],
    rateLimitPerMinute: 600,
  };
}

/** `count` fresh API keys with their hashes and records. */
export function makeApiKeys(count: number = KEY_COUNT): ApiKeyFixture[] {
  const keys: ApiKeyFixture[] = [];
  for (let index = 0; index < count; index++) {
    const plaintext = `sk_live_${randomBytes(24).toString("base64url")}`;
    keys.push({ plaintext, hash: hashApiKey(plaintext), record: makeRecord(index) });
  }
  return keys;
}

/** Throws if a hit benchmark read a miss, so a broken contender cannot look fast. */
export function expectHit<T>(value: T | undefined | null): T {
  if (value === undefined || value === null) throw new Error("expected a cache hit, got a miss");
  return value;
}
