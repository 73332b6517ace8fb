/** delete(): removes one entry; deleting an absent key is a no-op. */
import { strict as assert } from "node:assert";
import { type BackendCheck, defineChecks } from "../backend-check.js";
import { sampleKey, sampleValue } from "../check-fixtures.js";

/** The `delete` group. */
export const deleteChecks: readonly BackendCheck[] = defineChecks("delete", [
  {
    name: "removes",
    title: "delete() removes the entry and leaves other keys alone",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey(1), sampleValue(1), 60);
      await backend.set(sampleKey(2), sampleValue(2), 60);
      await backend.delete(sampleKey(1));
      assert.equal(await backend.get(sampleKey(1)), undefined);
      assert.deepStrictEqual(await backend.get(sampleKey(2)), sampleValue(2));
    },
  },
  {
    name: "absentKey",
    title: "delete() of an absent key resolves and changes nothing",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey(1), sampleValue(1), 60);
      assert.equal(await backend.delete(sampleKey("absent")), undefined);
      await backend.delete(sampleKey(2));
      await backend.delete(sampleKey(2));
      assert.deepStrictEqual(await backend.get(sampleKey(1)), sampleValue(1));
    },
  },
  {
    name: "thenSet",
    title: "a deleted key can be written again",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey(1), sampleValue(1), 60);
      await backend.delete(sampleKey(1));
      await backend.set(sampleKey(1), sampleValue(2), 60);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), sampleValue(2));
    },
  },
]);
