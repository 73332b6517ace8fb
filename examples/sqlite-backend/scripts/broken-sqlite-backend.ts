/**
 * A deliberately broken variant of the SQLite backend, to show what conformance failures look
 * like: it rounds TTLs up to whole seconds, and its `setIfAbsent` is a read followed by a
 * separate write, so two concurrent callers can both "win".
 */
import { randomUUID } from "node:crypto";
import type { BackendConformanceOptions } from "@apikey/conformance";
import type { CachedApiKey } from "@apikey/core";
import { SqliteApiKeyCacheBackend } from "../src/index.js";

export class BrokenSqliteBackend extends SqliteApiKeyCacheBackend {
  override async set(cacheKey: string, value: CachedApiKey, ttlSeconds: number): Promise<void> {
    return super.set(cacheKey, value, Math.ceil(ttlSeconds));
  }

  override async setIfAbsent(
    cacheKey: string,
    value: CachedApiKey,
    ttlSeconds: number,
  ): Promise<boolean> {
    if ((await this.get(cacheKey)) !== undefined) return false;
    await new Promise((resolve) => setImmediate(resolve)); // another caller slips in here
    await this.set(cacheKey, value, ttlSeconds);
    return true;
  }
}

/** The checks this variant fails, and why. */
export const EXPECTED_FAILURES: Readonly<Record<string, string>> = {
  "ttl.fractional": "a 0.25 s TTL is rounded up to 1 s",
  "ttl.notRoundedDown": "a 1.5 s TTL lasts 2 s",
  "ttl.setIfAbsent": "setIfAbsent() writes through set(), which rounds the TTL up",
  "ttl.overwriteShortens": "the shorter TTL is rounded up too",
  "ttl.nonPositive": "setIfAbsent() with ttl 0 reports storing",
  "ttl.getWithTtl": "the remaining TTL exceeds the TTL asked for",
  "ttl.fakeClockExact": "TTLs are not exact to the millisecond",
  "ttl.fakeClockGetWithTtl": "the remaining TTL exceeds the TTL asked for",
  "concurrency.mixedOperations": "several concurrent setIfAbsent() calls win on one key",
  "concurrency.setIfAbsentRace": "read-then-write lets every concurrent caller store",
};

/** Conformance options for the broken variant on `filename`, with a fake clock. */
export function brokenBackendOptions(
  filename: string,
): BackendConformanceOptions<BrokenSqliteBackend> {
  const namespace = (): string => `t:${randomUUID()}:`;
  return {
    createBackend: () => new BrokenSqliteBackend({ filename, namespace: namespace() }),
    createWithFakeClock: () => {
      let now = Date.now();
      const backend = new BrokenSqliteBackend({ filename, namespace: namespace(), now: () => now });
      const advance = (ms: number): void => {
        now += ms;
      };
      return { backend, advance };
    },
  };
}
