/**
 * Many operations in flight at once. Each key gets operations whose outcome does not depend on
 * their order (or one whose order the backend must arbitrate: setIfAbsent), so the final state
 * is known however the backend interleaves them.
 */
import { strict as assert } from "node:assert";
import type { CachedApiKey } from "@apikey/core";
import { type BackendCheck, defineChecks } from "../backend-check.js";
import { sampleKey, sampleValue } from "../check-fixtures.js";

/** A deterministic shuffle (a linear congruential generator), so failures reproduce. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = seed;
  for (let index = result.length - 1; index > 0; index--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const other = state % (index + 1);
    [result[index], result[other]] = [result[other] as T, result[index] as T];
  }
  return result;
}

/** The `concurrency` group. */
export const concurrencyChecks: readonly BackendCheck[] = defineChecks("concurrency", [
  {
    name: "mixedOperations",
    title: "2,000 mixed operations in flight at once leave the expected final state",
    timeoutMs: 60_000,
    async run(context) {
      const backend = await context.createBackend();
      const deleted = Array.from({ length: 200 }, (_, index) => sampleKey(`d${index}`));
      await Promise.all(deleted.map((key, index) => backend.set(key, sampleValue(index), 60)));

      const winners = new Map<string, CachedApiKey[]>();
      const readsOfDeleted: Promise<CachedApiKey | undefined>[] = [];
      const missReads: Promise<CachedApiKey | undefined>[] = [];
      const operations: (() => Promise<unknown>)[] = [];
      for (let index = 0; index < 500; index++) {
        operations.push(() => backend.set(sampleKey(`s${index}`), sampleValue(index), 60));
      }
      for (let index = 0; index < 100; index++) {
        const key = sampleKey(`w${index}`);
        winners.set(key, []);
        for (let contender = 0; contender < 5; contender++) {
          const value = sampleValue(index * 10 + contender);
          operations.push(async () => {
            if (await backend.setIfAbsent(key, value, 60)) winners.get(key)?.push(value);
          });
        }
      }
      for (const key of deleted) {
        operations.push(() => backend.delete(key));
        for (let read = 0; read < 2; read++) {
          operations.push(async () => readsOfDeleted.push(backend.get(key)));
        }
      }
      for (let index = 0; index < 400; index++) {
        operations.push(async () => missReads.push(backend.get(sampleKey(`m${index}`))));
      }
      assert.equal(operations.length, 2_000);

      // Start every operation before awaiting any, so all 2,000 are in flight together.
      await Promise.all(shuffled(operations, 20_240_601).map((operation) => operation()));
      const deletedReads = await Promise.all(readsOfDeleted);
      const misses = await Promise.all(missReads);

      for (const value of deletedReads) {
        if (value !== undefined) assert.equal(value.active, true, "a read saw a torn value");
      }
      assert.ok(
        misses.every((value) => value === undefined),
        "a key never written was read",
      );
      for (let index = 0; index < 500; index++) {
        assert.deepStrictEqual(await backend.get(sampleKey(`s${index}`)), sampleValue(index));
      }
      for (const [key, won] of winners) {
        assert.equal(won.length, 1, `${won.length} setIfAbsent() calls won on one key`);
        assert.deepStrictEqual(
          await backend.get(key),
          won[0],
          "the stored value is not the winner's",
        );
      }
      for (const key of deleted) {
        assert.equal(await backend.get(key), undefined, "a deleted key is still there");
      }
    },
  },
  {
    name: "setIfAbsentRace",
    title: "100 concurrent setIfAbsent() calls on one key: exactly one stores",
    async run(context) {
      const backend = await context.createBackend();
      const key = sampleKey("race");
      const outcomes = await Promise.all(
        Array.from({ length: 100 }, (_, index) => backend.setIfAbsent(key, sampleValue(index), 60)),
      );
      const winners = outcomes.flatMap((stored, index) => (stored ? [index] : []));
      assert.equal(winners.length, 1, `${winners.length} of 100 calls reported storing`);
      assert.deepStrictEqual(await backend.get(key), sampleValue(winners[0] as number));
      if (backend.setIfAbsentGet) {
        const setIfAbsentGet = backend.setIfAbsentGet.bind(backend);
        const other = sampleKey("race-get");
        const seen = await Promise.all(
          Array.from({ length: 50 }, (_, index) => setIfAbsentGet(other, sampleValue(index), 60)),
        );
        const stored = await backend.get(other);
        const firsts = seen.filter((value) => value === undefined).length;
        assert.equal(firsts, 1, `${firsts} of 50 setIfAbsentGet() calls saw nothing there`);
        for (const value of seen) {
          if (value !== undefined)
            assert.deepStrictEqual(value, stored, "a loser saw another value");
        }
      }
    },
  },
]);
