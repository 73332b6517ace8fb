/**
 * replaceIfUnchanged (optional): a compare-and-set that replaces an entry only while it is
 * exactly what the caller read. The resolver's refresh-ahead relies on it never overwriting a
 * tombstone or any other write made meanwhile. A backend without the method passes trivially.
 */
import { strict as assert } from "node:assert";
import type { ApiKeyCacheBackend, CachedApiKey } from "@apikey/core";
import { monotonicNow, sleepUntil } from "../../check-timing.js";
import {
  type BackendCheck,
  type BackendCheckContext,
  type BackendCheckDefinition,
  defineChecks,
} from "../backend-check.js";
import { assertFailsWithCode } from "../check-assertions.js";
import { sampleKey, sampleValue } from "../check-fixtures.js";

type CompareAndSet = (
  cacheKey: string,
  expected: CachedApiKey,
  value: CachedApiKey,
  ttlSeconds: number,
) => Promise<boolean>;

/** The backend and its bound `replaceIfUnchanged`, or `undefined` when it has none. */
async function withCompareAndSet(
  context: BackendCheckContext,
): Promise<{ backend: ApiKeyCacheBackend; replace: CompareAndSet } | undefined> {
  const backend = await context.createBackend();
  if (backend.replaceIfUnchanged === undefined) {
    assert.equal(
      "replaceIfUnchanged" in backend,
      false,
      "replaceIfUnchanged is present but undefined",
    );
    return undefined;
  }
  assert.equal(
    typeof backend.replaceIfUnchanged,
    "function",
    "replaceIfUnchanged must be a method",
  );
  return { backend, replace: backend.replaceIfUnchanged.bind(backend) };
}

/** A check that runs only on a backend with `replaceIfUnchanged` (and passes without one). */
function casCheck(definition: {
  name: string;
  title: string;
  run(
    subject: { backend: ApiKeyCacheBackend; replace: CompareAndSet },
    context: BackendCheckContext,
  ): Promise<void>;
}): BackendCheckDefinition {
  const { run, ...rest } = definition;
  return {
    ...rest,
    async run(context) {
      const subject = await withCompareAndSet(context);
      if (subject !== undefined) await run(subject, context);
    },
  };
}

/** The `replaceIfUnchanged` group. */
export const replaceIfUnchangedChecks: readonly BackendCheck[] = defineChecks(
  "replaceIfUnchanged",
  [
    casCheck({
      name: "whenUnchanged",
      title:
        "replaceIfUnchanged(), where present, replaces an entry that is still the expected one, with the new TTL",
      async run({ backend, replace }) {
        const key = sampleKey(1);
        await backend.set(key, sampleValue(1), 60);
        assert.equal(await replace(key, sampleValue(1), sampleValue(2), 30), true);
        assert.deepStrictEqual(await backend.get(key), sampleValue(2));
        const entry = await backend.getWithTtl?.(key);
        if (entry !== undefined) {
          assert.ok(
            entry.ttlMs <= 30_000,
            `replaceIfUnchanged(…, 30) must set the TTL to 30 s, but ${entry.ttlMs} ms are left`,
          );
        }
      },
    }),
    casCheck({
      name: "whenChanged",
      title:
        "replaceIfUnchanged(), where present, leaves an entry that changed since it was read (a newer write, a tombstone)",
      async run({ backend, replace }) {
        const key = sampleKey(1);
        await backend.set(key, sampleValue(1), 60);
        await backend.set(key, sampleValue(1, false), 60);
        assert.equal(
          await replace(key, sampleValue(1), sampleValue(2), 60),
          false,
          "an entry that no longer matches must not be replaced",
        );
        assert.deepStrictEqual(await backend.get(key), sampleValue(1, false));
        // Exact match: an extra field is a difference.
        await backend.set(key, { ...sampleValue(3), note: "x" }, 60);
        assert.equal(await replace(key, sampleValue(3), sampleValue(4), 60), false);
        assert.deepStrictEqual(await backend.get(key), { ...sampleValue(3), note: "x" });
      },
    }),
    casCheck({
      name: "whenAbsent",
      title:
        "replaceIfUnchanged(), where present, stores nothing for an absent or expired entry, or with ttl <= 0",
      async run({ backend, replace }, context) {
        assert.equal(await replace(sampleKey(1), sampleValue(1), sampleValue(2), 60), false);
        assert.equal(await backend.get(sampleKey(1)), undefined, "absent must stay absent");
        await backend.set(sampleKey(2), sampleValue(1), 60);
        assert.equal(await replace(sampleKey(2), sampleValue(1), sampleValue(2), 0), false);
        assert.deepStrictEqual(
          await backend.get(sampleKey(2)),
          sampleValue(1),
          "ttl 0 stores nothing",
        );
        const ttlSeconds = 0.25;
        await backend.set(sampleKey(3), sampleValue(1), ttlSeconds);
        const written = monotonicNow();
        await sleepUntil(written + ttlSeconds * 1000 + context.capabilities.ttlToleranceMs + 250);
        assert.equal(
          await replace(sampleKey(3), sampleValue(1), sampleValue(2), 60),
          false,
          "an expired entry counts as absent",
        );
        assert.equal(await backend.get(sampleKey(3)), undefined);
      },
    }),
    casCheck({
      name: "validation",
      title:
        "replaceIfUnchanged(), where present, checks closed, key, TTL, expected and value in that order",
      async run({ backend, replace }) {
        const key = sampleKey(1);
        await backend.set(key, sampleValue(1), 60);
        const bad = { apiKey: 5 } as unknown as CachedApiKey;
        await assertFailsWithCode(
          () => replace("", sampleValue(1), sampleValue(2), Number.NaN),
          "E_INVALID_KEY",
          "replaceIfUnchanged() with an empty key and a NaN TTL",
        );
        await assertFailsWithCode(
          () => replace(key, bad, sampleValue(2), Number.NaN),
          "E_INVALID_TTL",
          "replaceIfUnchanged() with a NaN TTL and a bad expected value",
        );
        await assertFailsWithCode(
          () => replace(key, bad, sampleValue(2), 60),
          "E_INVALID_VALUE",
          "replaceIfUnchanged() with a bad expected value",
        );
        await assertFailsWithCode(
          () => replace(key, sampleValue(1), bad, 60),
          "E_INVALID_VALUE",
          "replaceIfUnchanged() with a bad new value",
        );
        assert.deepStrictEqual(
          await backend.get(key),
          sampleValue(1),
          "rejected calls change nothing",
        );
        await backend.close();
        await assertFailsWithCode(
          () => replace("", sampleValue(1), sampleValue(2), 60),
          "E_CLOSED",
          "replaceIfUnchanged() after close() with an empty key",
        );
      },
    }),
    casCheck({
      name: "race",
      title:
        "replaceIfUnchanged(), where present: of 50 concurrent calls expecting one entry, exactly one replaces it",
      async run({ backend, replace }) {
        const key = sampleKey(1);
        await backend.set(key, sampleValue(0), 60);
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, index) =>
            replace(key, sampleValue(0), sampleValue(index + 1), 60),
          ),
        );
        const winners = results.flatMap((won, index) => (won ? [index + 1] : []));
        assert.equal(winners.length, 1, `${winners.length} of 50 calls reported replacing`);
        assert.deepStrictEqual(await backend.get(key), sampleValue(winners[0] as number));
      },
    }),
  ],
);
