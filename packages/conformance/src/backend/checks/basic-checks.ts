/** Basic reads and writes: misses, round trips, overwrites, distinct keys. */
import { strict as assert } from "node:assert";
import { type BackendCheck, defineChecks } from "../backend-check.js";
import { richValue, sampleKey, sampleValue } from "../check-fixtures.js";

/** The `basic` group. */
export const basicChecks: readonly BackendCheck[] = defineChecks("basic", [
  {
    name: "miss",
    title: "get() of a key never written is undefined",
    async run(context) {
      const backend = await context.createBackend();
      const value = await backend.get(sampleKey("never-written"));
      assert.equal(value, undefined, "a miss must be undefined (not null)");
    },
  },
  {
    name: "roundTrip",
    title: "set() then get() round-trips the value deep-equal",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey(1), sampleValue(1), 60);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), sampleValue(1));
    },
  },
  {
    name: "roundTripExtraFields",
    title: "extra fields (nested objects, arrays, unicode) and active:false round-trip",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey("rich"), richValue(), 60);
      assert.deepStrictEqual(await backend.get(sampleKey("rich")), richValue());
    },
  },
  {
    name: "unusualKeys",
    title: "keys with glob characters, colons, spaces and unicode are stored verbatim",
    async run(context) {
      const backend = await context.createBackend();
      const keys = ["a*b?c[d]\\e", "with space", "ünïcødé:🔑", ":", "x".repeat(512)];
      for (const [index, key] of keys.entries()) await backend.set(key, sampleValue(index), 60);
      for (const [index, key] of keys.entries()) {
        assert.deepStrictEqual(await backend.get(key), sampleValue(index), `key ${key}`);
      }
      assert.equal(await backend.get("a?b?c[d]\\e"), undefined, "a glob must not match");
    },
  },
  {
    name: "distinctKeys",
    title: "entries under different keys do not interfere",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey("a"), sampleValue(1), 60);
      await backend.set(sampleKey("b"), sampleValue(2, false), 60);
      assert.deepStrictEqual(await backend.get(sampleKey("a")), sampleValue(1));
      assert.deepStrictEqual(await backend.get(sampleKey("b")), sampleValue(2, false));
    },
  },
  {
    name: "overwrite",
    title: "set() on an existing key replaces its value",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey(1), sampleValue(1), 60);
      await backend.set(sampleKey(1), { ...sampleValue(2, false), note: "second" }, 60);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), {
        ...sampleValue(2, false),
        note: "second",
      });
    },
  },
]);
