/** close(): idempotent, and every later call rejects with E_CLOSED. */
import { strict as assert } from "node:assert";
import { type BackendCheck, defineChecks } from "../backend-check.js";
import { assertFailsWithCode } from "../check-assertions.js";
import { sampleKey, sampleValue } from "../check-fixtures.js";

/** The `close` group. */
export const closeChecks: readonly BackendCheck[] = defineChecks("close", [
  {
    name: "idempotent",
    title: "close() can be called twice, also concurrently",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey(1), sampleValue(1), 60);
      const results = await Promise.all([backend.close(), backend.close()]);
      assert.deepStrictEqual(results, [undefined, undefined]);
      assert.equal(await backend.close(), undefined);
    },
  },
  {
    name: "callsAfterClose",
    title: "every call after close() rejects with E_CLOSED",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey(1), sampleValue(1), 60);
      await backend.close();
      const key = sampleKey(1);
      await assertFailsWithCode(() => backend.get(key), "E_CLOSED", "get()");
      await assertFailsWithCode(() => backend.set(key, sampleValue(2), 60), "E_CLOSED", "set()");
      await assertFailsWithCode(
        () => backend.setIfAbsent(sampleKey(2), sampleValue(2), 60),
        "E_CLOSED",
        "setIfAbsent()",
      );
      if (backend.setIfAbsentGet) {
        const setIfAbsentGet = backend.setIfAbsentGet.bind(backend);
        await assertFailsWithCode(
          () => setIfAbsentGet(sampleKey(2), sampleValue(2), 60),
          "E_CLOSED",
          "setIfAbsentGet()",
        );
      }
      await assertFailsWithCode(() => backend.delete(key), "E_CLOSED", "delete()");
      await assertFailsWithCode(() => backend.clear(), "E_CLOSED", "clear()");
    },
  },
  {
    name: "othersUnaffected",
    title: "closing one backend leaves another backend working",
    async run(context) {
      const closed = await context.createBackend();
      const open = await context.createBackend();
      await open.set(sampleKey(1), sampleValue(1), 60);
      await closed.close();
      assert.deepStrictEqual(await open.get(sampleKey(1)), sampleValue(1));
      await open.set(sampleKey(2), sampleValue(2), 60);
      assert.deepStrictEqual(await open.get(sampleKey(2)), sampleValue(2));
    },
  },
]);
