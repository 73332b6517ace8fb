/**
 * clear(): removes every entry of this backend's namespace and nothing else. The store is
 * filled past one page (Redis backends clear in batches of 500) so paging bugs show.
 */
import { strict as assert } from "node:assert";
import type { ApiKeyCacheBackend } from "@apikey/core";
import { type BackendCheck, defineChecks } from "../backend-check.js";
import { sampleKey, sampleValue } from "../check-fixtures.js";

/** More than two of the Redis backends' 500-key batches. */
const MANY_ENTRIES = 1_250;

async function fill(backend: ApiKeyCacheBackend, count: number, label: string): Promise<void> {
  // Bounded batches keep a network backend's in-flight window reasonable.
  for (let start = 0; start < count; start += 250) {
    const batch: Promise<void>[] = [];
    for (let index = start; index < Math.min(count, start + 250); index++) {
      batch.push(backend.set(sampleKey(`${label}${index}`), sampleValue(index), 120));
    }
    await Promise.all(batch);
  }
}

async function countPresent(
  backend: ApiKeyCacheBackend,
  count: number,
  label: string,
): Promise<number> {
  let present = 0;
  for (let start = 0; start < count; start += 250) {
    const batch: Promise<unknown>[] = [];
    for (let index = start; index < Math.min(count, start + 250); index++) {
      batch.push(backend.get(sampleKey(`${label}${index}`)));
    }
    for (const value of await Promise.all(batch)) if (value !== undefined) present++;
  }
  return present;
}

/** The `clear` group. */
export const clearChecks: readonly BackendCheck[] = defineChecks("clear", [
  {
    name: "emptyStore",
    title: "clear() on an empty store resolves, and the backend stays usable",
    async run(context) {
      const backend = await context.createBackend();
      assert.equal(await backend.clear(), undefined);
      await backend.set(sampleKey(1), sampleValue(1), 60);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), sampleValue(1));
    },
  },
  {
    name: "idempotent",
    title: "clear() removes every entry and can be repeated",
    async run(context) {
      const backend = await context.createBackend();
      await fill(backend, 20, "k");
      await backend.clear();
      await backend.clear();
      assert.equal(await countPresent(backend, 20, "k"), 0, "entries survived clear()");
      await backend.set(sampleKey(1), sampleValue(1), 60);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), sampleValue(1));
    },
  },
  {
    name: "pastOnePage",
    title: `clear() removes ${MANY_ENTRIES} entries (more than one batch)`,
    timeoutMs: 60_000,
    async run(context) {
      const backend = await context.createBackend();
      await fill(backend, MANY_ENTRIES, "many");
      assert.equal(
        await countPresent(backend, MANY_ENTRIES, "many"),
        MANY_ENTRIES,
        "the backend did not keep every entry written (is it bounded below this count?)",
      );
      await backend.clear();
      assert.equal(await countPresent(backend, MANY_ENTRIES, "many"), 0, "entries survived");
    },
  },
  {
    name: "otherNamespace",
    title: "clear() leaves another backend's namespace alone",
    async run(context) {
      const cleared = await context.createBackend();
      const bystander = await context.createBackend();
      await fill(cleared, 30, "k");
      await fill(bystander, 30, "k");
      await cleared.clear();
      assert.equal(await countPresent(cleared, 30, "k"), 0, "entries survived clear()");
      assert.equal(
        await countPresent(bystander, 30, "k"),
        30,
        "clear() removed entries of another namespace",
      );
    },
  },
]);
