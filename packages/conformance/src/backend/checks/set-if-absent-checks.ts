/** setIfAbsent (and the optional setIfAbsentGet): stores only when nothing live is there. */
import { strict as assert } from "node:assert";
import { monotonicNow, sleepUntil } from "../../check-timing.js";
import { type BackendCheck, defineChecks } from "../backend-check.js";
import { sampleKey, sampleValue } from "../check-fixtures.js";

/** The `setIfAbsent` group. */
export const setIfAbsentChecks: readonly BackendCheck[] = defineChecks("setIfAbsent", [
  {
    name: "whenAbsent",
    title: "setIfAbsent() on an absent key stores the value and returns true",
    async run(context) {
      const backend = await context.createBackend();
      assert.equal(await backend.setIfAbsent(sampleKey(1), sampleValue(1), 60), true);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), sampleValue(1));
    },
  },
  {
    name: "whenPresent",
    title: "setIfAbsent() on a present key returns false and keeps the stored value",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey(1), sampleValue(1), 60);
      assert.equal(await backend.setIfAbsent(sampleKey(1), sampleValue(2, false), 60), false);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), sampleValue(1));
      assert.equal(await backend.setIfAbsent(sampleKey(1), sampleValue(3), 60), false);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), sampleValue(1));
    },
  },
  {
    name: "afterDelete",
    title: "setIfAbsent() stores again once the entry was deleted",
    async run(context) {
      const backend = await context.createBackend();
      assert.equal(await backend.setIfAbsent(sampleKey(1), sampleValue(1), 60), true);
      await backend.delete(sampleKey(1));
      assert.equal(await backend.setIfAbsent(sampleKey(1), sampleValue(2), 60), true);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), sampleValue(2));
    },
  },
  {
    name: "afterExpiry",
    title: "setIfAbsent() stores again once the entry expired",
    async run(context) {
      const backend = await context.createBackend();
      const ttlSeconds = 0.25;
      await backend.set(sampleKey(1), sampleValue(1), ttlSeconds);
      const written = monotonicNow();
      await sleepUntil(written + ttlSeconds * 1000 + context.capabilities.ttlToleranceMs + 250);
      assert.equal(
        await backend.setIfAbsent(sampleKey(1), sampleValue(2), 60),
        true,
        "an expired entry must not block setIfAbsent()",
      );
      assert.deepStrictEqual(await backend.get(sampleKey(1)), sampleValue(2));
    },
  },
  {
    name: "setIfAbsentGet",
    title: "setIfAbsentGet(), where present, returns what was there and stores only when absent",
    async run(context) {
      const backend = await context.createBackend();
      if (backend.setIfAbsentGet === undefined) {
        assert.equal("setIfAbsentGet" in backend, false, "setIfAbsentGet is present but undefined");
        return;
      }
      assert.equal(typeof backend.setIfAbsentGet, "function", "setIfAbsentGet must be a method");
      const key = sampleKey(1);
      assert.equal(await backend.setIfAbsentGet(key, sampleValue(1), 60), undefined);
      assert.deepStrictEqual(await backend.get(key), sampleValue(1));
      assert.deepStrictEqual(
        await backend.setIfAbsentGet(key, sampleValue(2, false), 60),
        sampleValue(1),
        "it must return the entry that was there",
      );
      assert.deepStrictEqual(await backend.get(key), sampleValue(1), "it must not overwrite");
      assert.equal(await backend.setIfAbsentGet(sampleKey(2), sampleValue(3), 0), undefined);
      assert.equal(await backend.get(sampleKey(2)), undefined, "ttl 0 must store nothing");
    },
  },
]);
