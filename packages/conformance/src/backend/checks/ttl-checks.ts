/**
 * TTL semantics on the real clock (and, when the options give one, on a fake clock, where
 * TTLs are exact to the millisecond). Real-clock margins are anchored to when calls resolved:
 * presence is only judged if the read came back before `ttl - tolerance`, absence is checked
 * at `ttl + tolerance + 250 ms` after the write resolved, so they hold on a loaded machine.
 */

import { strict as assert } from "node:assert";
import type { ApiKeyCacheBackend, CachedApiKeyWithTtl } from "@apikey/core";
import { monotonicNow, sleepUntil } from "../../check-timing.js";
import { type BackendCheck, type BackendCheckContext, defineChecks } from "../backend-check.js";
import { assertRemainingTtl } from "../check-assertions.js";
import { richValue, sampleKey, sampleValue } from "../check-fixtures.js";
import { scribble } from "../value-mutation.js";

/** Slack added to every real-clock absence check, for a loaded machine. */
const ABSENCE_SLACK_MS = 250;
/** Tries before a real-clock presence check gives up on a machine too slow to judge it. */
const ATTEMPTS = 3;

interface LifetimeProbe {
  ttlSeconds: number;
  /** Write `key` so that it should live `ttlSeconds` from now. */
  write(backend: ApiKeyCacheBackend, key: string): Promise<void>;
  /** When to check presence, in ms after the write resolved. @default 0 */
  probeAfterMs?: number;
}

/** Assert the entry is present while its TTL runs and gone once it has passed. */
async function assertLifetime(context: BackendCheckContext, probe: LifetimeProbe): Promise<void> {
  const backend = await context.createBackend();
  const ttlMs = probe.ttlSeconds * 1000;
  const tolerance = context.capabilities.ttlToleranceMs;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const key = sampleKey(`ttl:${probe.ttlSeconds}:${attempt}`);
    const started = monotonicNow();
    await probe.write(backend, key);
    const written = monotonicNow();
    await sleepUntil(written + (probe.probeAfterMs ?? 0));
    const value = await backend.get(key);
    // The entry was written after `started`, so it must live until at least then + ttl.
    if (monotonicNow() >= started + ttlMs - tolerance) continue;
    assert.notEqual(
      value,
      undefined,
      `an entry with ttl ${probe.ttlSeconds}s was gone ${Math.round(monotonicNow() - started)} ms after set`,
    );
    await sleepUntil(written + ttlMs + tolerance + ABSENCE_SLACK_MS);
    assert.equal(
      await backend.get(key),
      undefined,
      `an entry with ttl ${probe.ttlSeconds}s was still there ${ttlMs + tolerance + ABSENCE_SLACK_MS} ms after set`,
    );
    return;
  }
  assert.fail(`${ATTEMPTS} attempts were each too slow to judge a ${probe.ttlSeconds}s TTL`);
}

/** On a fake clock: an entry with `ttlSeconds` must last exactly ceil(ttlSeconds × 1000) ms. */
function lifetimeMs(ttlSeconds: number): number {
  return Math.ceil(ttlSeconds * 1000);
}

/** The failure message for an entry still read `atMs` after set(), past its lifetime. */
function tooLong(ttlSeconds: number, atMs: number, read = "get()"): string {
  return `an entry set with ttl ${ttlSeconds} s was still there (${read}) ${atMs} ms after set(): it must last exactly ceil(ttl × 1000) = ${lifetimeMs(ttlSeconds)} ms, then miss`;
}

/** The failure message for an entry already gone `atMs` after set(), before its lifetime ended. */
function tooShort(ttlSeconds: number, atMs: number): string {
  return `an entry set with ttl ${ttlSeconds} s was gone ${atMs} ms after set(): it must last exactly ceil(ttl × 1000) = ${lifetimeMs(ttlSeconds)} ms`;
}

const needsFakeClock = (options: { createWithFakeClock?: unknown }): string | undefined =>
  options.createWithFakeClock ? undefined : "no createWithFakeClock";

/**
 * `backend.getWithTtl`, or `undefined` when the backend does not have it (asserting it is then
 * absent, not present but undefined).
 */
function getWithTtlOf(
  backend: ApiKeyCacheBackend,
): ((cacheKey: string) => Promise<CachedApiKeyWithTtl | undefined>) | undefined {
  const method = backend.getWithTtl;
  if (method === undefined) {
    assert.equal("getWithTtl" in backend, false, "getWithTtl is present but undefined");
    return undefined;
  }
  assert.equal(typeof method, "function", "getWithTtl must be a method");
  return (cacheKey) => method.call(backend, cacheKey);
}

/** Assert `entry` holds `expected` with a remaining TTL within (0, `maxMs`]. */
function assertEntryWithTtl(
  entry: CachedApiKeyWithTtl | undefined,
  expected: unknown,
  maxMs: number,
  what: string,
): void {
  assert.notEqual(entry, undefined, `getWithTtl() of ${what} missed`);
  assert.deepStrictEqual(entry?.value, expected, `getWithTtl() of ${what}: value`);
  assertRemainingTtl(entry?.ttlMs, maxMs, `getWithTtl() of ${what}`);
}

/** The `ttl` group. */
export const ttlChecks: readonly BackendCheck[] = defineChecks("ttl", [
  {
    name: "expires",
    title: "an entry is present before its TTL and gone after it (1 s)",
    run: (context) =>
      assertLifetime(context, {
        ttlSeconds: 1,
        write: (backend, key) => backend.set(key, sampleValue(1), 1),
      }),
  },
  {
    name: "fractional",
    title: "a fractional TTL (0.25 s) is honoured, not rounded up to a second",
    run: (context) =>
      assertLifetime(context, {
        ttlSeconds: 0.25,
        write: (backend, key) => backend.set(key, sampleValue(1), 0.25),
      }),
  },
  {
    name: "notRoundedDown",
    title: "a 1.5 s TTL is not rounded down to 1 s",
    run: (context) =>
      assertLifetime(context, {
        ttlSeconds: 1.5,
        probeAfterMs: 1_100,
        write: (backend, key) => backend.set(key, sampleValue(1), 1.5),
      }),
  },
  {
    name: "setIfAbsent",
    title: "setIfAbsent() honours its TTL (0.25 s)",
    run: (context) =>
      assertLifetime(context, {
        ttlSeconds: 0.25,
        write: async (backend, key) => {
          assert.equal(await backend.setIfAbsent(key, sampleValue(1), 0.25), true);
        },
      }),
  },
  {
    name: "overwriteShortens",
    title: "set() over an entry replaces its TTL with a shorter one",
    run: (context) =>
      assertLifetime(context, {
        ttlSeconds: 0.25,
        write: async (backend, key) => {
          await backend.set(key, sampleValue(1), 3_600);
          await backend.set(key, sampleValue(2), 0.25);
        },
      }),
  },
  {
    name: "overwriteExtends",
    title: "set() over an entry replaces its TTL with a longer one",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey(1), sampleValue(1), 0.25);
      await backend.set(sampleKey(1), sampleValue(2), 60);
      const written = monotonicNow();
      await sleepUntil(written + 250 + context.capabilities.ttlToleranceMs + ABSENCE_SLACK_MS);
      assert.deepStrictEqual(
        await backend.get(sampleKey(1)),
        sampleValue(2),
        "the entry expired at the TTL of the value it replaced",
      );
    },
  },
  {
    name: "long",
    title: "a long TTL (30 days) is accepted and the entry is present",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey(1), sampleValue(1), 30 * 86_400);
      assert.equal(await backend.setIfAbsent(sampleKey(2), sampleValue(2), 30 * 86_400), true);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), sampleValue(1));
      assert.deepStrictEqual(await backend.get(sampleKey(2)), sampleValue(2));
    },
  },
  {
    name: "nonPositive",
    title: "ttl <= 0 stores nothing: set() is a no-op and setIfAbsent() returns false",
    async run(context) {
      const backend = await context.createBackend();
      for (const [index, ttl] of [0, -0, -1, -0.001, -3_600].entries()) {
        const key = sampleKey(`non-positive:${index}`);
        await backend.set(key, sampleValue(1), ttl);
        assert.equal(await backend.get(key), undefined, `set() with ttl ${ttl} stored a value`);
        assert.equal(
          await backend.setIfAbsent(key, sampleValue(1), ttl),
          false,
          `setIfAbsent() with ttl ${ttl} must return false`,
        );
        assert.equal(await backend.get(key), undefined, `setIfAbsent() with ttl ${ttl} stored`);
      }
    },
  },
  {
    name: "getWithTtl",
    title:
      "getWithTtl(), where present, returns get()'s value with a remaining TTL within (0, ttl], and misses like get()",
    async run(context) {
      const backend = await context.createBackend();
      const getWithTtl = getWithTtlOf(backend);
      if (getWithTtl === undefined) return;
      const tolerance = context.capabilities.ttlToleranceMs;
      assert.equal(await getWithTtl(sampleKey("never-written")), undefined, "a miss");
      await backend.set(sampleKey(1), richValue(), 60);
      const entry = await getWithTtl(sampleKey(1));
      assertEntryWithTtl(entry, await backend.get(sampleKey(1)), 60_000, "a 60 s entry");
      // Frozen, like get()'s: a mutation throws or, in a faulty backend, must not stick.
      if (entry !== undefined) scribble(entry.value);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), richValue(), "mutating its value");
      await backend.delete(sampleKey(1));
      assert.equal(await getWithTtl(sampleKey(1)), undefined, "a deleted entry");
      await backend.set(sampleKey(2), sampleValue(2), 0);
      assert.equal(await getWithTtl(sampleKey(2)), undefined, "ttl 0 stores nothing");
      // A short TTL: reported within it while it runs, and a miss once it has passed.
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const key = sampleKey(`getWithTtl:${attempt}`);
        const started = monotonicNow();
        await backend.set(key, sampleValue(3), 0.3);
        const written = monotonicNow();
        const short = await getWithTtl(key);
        if (monotonicNow() >= started + 300 - tolerance) continue;
        assertEntryWithTtl(short, sampleValue(3), 300, "a 0.3 s entry");
        await sleepUntil(written + 300 + tolerance + ABSENCE_SLACK_MS);
        assert.equal(
          await getWithTtl(key),
          undefined,
          `getWithTtl() of a 0.3 s entry still found it ${300 + tolerance + ABSENCE_SLACK_MS} ms after set`,
        );
        return;
      }
      assert.fail(`${ATTEMPTS} attempts were each too slow to judge a 0.3 s TTL`);
    },
  },
  {
    name: "fakeClockExact",
    title: "on a fake clock, TTLs are exact to the millisecond (rounded up)",
    unsupportedReason: needsFakeClock,
    async run(context) {
      const { backend, advance } = await context.createWithFakeClock();
      await backend.set(sampleKey(1), sampleValue(1), 0.25);
      assert.equal(await backend.setIfAbsent(sampleKey(2), sampleValue(2), 1.5), true);
      await backend.set(sampleKey(3), sampleValue(3), 0.0004);
      assert.deepStrictEqual(await backend.get(sampleKey(3)), sampleValue(3), tooShort(0.0004, 0));
      advance(1);
      assert.equal(await backend.get(sampleKey(3)), undefined, tooLong(0.0004, 1));
      advance(248);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), sampleValue(1), tooShort(0.25, 249));
      advance(1);
      assert.equal(await backend.get(sampleKey(1)), undefined, tooLong(0.25, 250));
      advance(1_249);
      assert.deepStrictEqual(await backend.get(sampleKey(2)), sampleValue(2), tooShort(1.5, 1499));
      advance(1);
      assert.equal(await backend.get(sampleKey(2)), undefined, tooLong(1.5, 1500));
      assert.equal(
        await backend.setIfAbsent(sampleKey(2), sampleValue(4), 1),
        true,
        "setIfAbsent() over the expired entry must store",
      );
      // 2.007 * 1000 is 2007.0000000000002 in floating point: still exactly 2007 ms.
      await backend.set(sampleKey(5), sampleValue(5), 2.007);
      advance(2_006);
      assert.deepStrictEqual(
        await backend.get(sampleKey(5)),
        sampleValue(5),
        tooShort(2.007, 2006),
      );
      advance(1);
      assert.equal(await backend.get(sampleKey(5)), undefined, tooLong(2.007, 2007));
    },
  },
  {
    name: "fakeClockOverwrite",
    title: "on a fake clock, set() restarts the TTL of the entry it replaces",
    unsupportedReason: needsFakeClock,
    async run(context) {
      const { backend, advance } = await context.createWithFakeClock();
      await backend.set(sampleKey(1), sampleValue(1), 1);
      advance(900);
      await backend.set(sampleKey(1), sampleValue(2), 1);
      advance(900);
      assert.deepStrictEqual(
        await backend.get(sampleKey(1)),
        sampleValue(2),
        "a 1 s entry set again 900 ms after the first set() was gone 900 ms after the second: set() must restart the TTL (it ended with the replaced entry's TTL)",
      );
      advance(100);
      assert.equal(
        await backend.get(sampleKey(1)),
        undefined,
        "a 1 s entry set again 900 ms after the first set() was still there 1000 ms after the second: the new TTL must end then",
      );
    },
  },
  {
    name: "fakeClockGetWithTtl",
    title:
      "on a fake clock, getWithTtl(), where present, never reports more than the TTL left, to the millisecond",
    unsupportedReason: needsFakeClock,
    async run(context) {
      const { backend, advance } = await context.createWithFakeClock();
      const getWithTtl = getWithTtlOf(backend);
      if (getWithTtl === undefined) return;
      await backend.set(sampleKey(1), sampleValue(1), 1);
      assert.equal(await backend.setIfAbsent(sampleKey(2), sampleValue(2), 0.0004), true);
      assertEntryWithTtl(await getWithTtl(sampleKey(2)), sampleValue(2), 1, "a 0.0004 s entry");
      advance(250);
      assertEntryWithTtl(
        await getWithTtl(sampleKey(1)),
        sampleValue(1),
        750,
        "a 1 s entry at 250 ms",
      );
      assert.equal(await getWithTtl(sampleKey(2)), undefined, tooLong(0.0004, 250, "getWithTtl()"));
      advance(749);
      assertEntryWithTtl(
        await getWithTtl(sampleKey(1)),
        sampleValue(1),
        1,
        "a 1 s entry at 999 ms",
      );
      advance(1);
      assert.equal(await getWithTtl(sampleKey(1)), undefined, tooLong(1, 1000, "getWithTtl()"));
    },
  },
]);
