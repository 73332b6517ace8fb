/** Sample values the checks store: small records plus one with nested extra fields. */
import type { CachedApiKey } from "@apikey/core";

/** A minimal record; `n` makes values distinguishable. */
export function sampleValue(n: number, active = true): CachedApiKey {
  return { apiKey: `ak_${n}`, active };
}

/** A record with nested objects, arrays, unicode, numbers and nulls among its extra fields. */
export function richValue(): CachedApiKey {
  return {
    apiKey: "ak_live_7f3a",
    active: false,
    ownerId: 4242,
    scopes: ["read", "write", "admin:billing"],
    limits: { perMinute: 600, burst: 50.5, tiers: [{ name: "gold", weight: 2 }] },
    label: "clé de test — 测试 ✓",
    expiresAt: null,
    flags: { beta: true, legacy: false },
    empty: { list: [], object: {} },
  };
}

/** A cache key like the ones the resolver uses (sha256 hex) with a readable suffix. */
export function sampleKey(label: string | number): string {
  return `5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8:${label}`;
}
