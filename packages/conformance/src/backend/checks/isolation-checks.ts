/**
 * Value isolation: the object passed to `set` is copied, and every value a backend hands out
 * (`get`, `getWithTtl`, `setIfAbsentGet`, `peek`) is deep-frozen, so nothing a caller does with
 * it can change what another read sees. The in-process backends are where this breaks: one
 * that hands out its stored mutable object is caught here.
 */
import { strict as assert } from "node:assert";
import type { ApiKeyCacheBackend, CachedApiKey } from "@apikey/core";
import { type BackendCheck, defineChecks } from "../backend-check.js";
import { richValue, sampleKey, sampleValue } from "../check-fixtures.js";
import { assertDeepFrozen, assertMutationThrows, scribble } from "../value-mutation.js";

/** Every value the backend hands out for the entry `key` holds, labelled by the method. */
async function valuesHandedOut(
  backend: ApiKeyCacheBackend,
  key: string,
): Promise<Array<{ label: string; value: CachedApiKey | undefined }>> {
  const values = [{ label: "get()", value: await backend.get(key) }];
  if (backend.getWithTtl !== undefined) {
    values.push({ label: "getWithTtl().value", value: (await backend.getWithTtl(key))?.value });
  }
  if (backend.setIfAbsentGet !== undefined) {
    values.push({
      label: "setIfAbsentGet() of an existing entry",
      value: await backend.setIfAbsentGet(key, sampleValue(9), 60),
    });
  }
  if (backend.peek !== undefined) {
    // peek may have no in-process answer (a tiered backend whose L1 is off): undefined is fine.
    const peeked = backend.peek(key);
    if (peeked !== undefined) values.push({ label: "peek()", value: peeked });
  }
  return values;
}

/** The `isolation` group. */
export const isolationChecks: readonly BackendCheck[] = defineChecks("isolation", [
  {
    name: "mutateAfterSet",
    title: "mutating the object passed to set() does not change the entry",
    async run(context) {
      const backend = await context.createBackend();
      const value = richValue();
      await backend.set(sampleKey(1), value, 60);
      scribble(value);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), richValue());
    },
  },
  {
    name: "mutateAfterSetIfAbsent",
    title: "mutating the object passed to setIfAbsent() does not change the entry",
    async run(context) {
      const backend = await context.createBackend();
      const value = richValue();
      assert.equal(await backend.setIfAbsent(sampleKey(1), value, 60), true);
      scribble(value);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), richValue());
    },
  },
  {
    name: "mutateAfterGet",
    title: "mutating the object get() returned does not change the entry",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey(1), richValue(), 60);
      const first = await backend.get(sampleKey(1));
      assert.ok(first, "the entry must be present");
      scribble(first);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), richValue());
    },
  },
  {
    name: "mutateAfterRead",
    title:
      "mutating what get(), getWithTtl(), setIfAbsentGet() or peek() returned, where present, does not change the entry",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey(1), richValue(), 60);
      for (const { label, value } of await valuesHandedOut(backend, sampleKey(1))) {
        assert.ok(value, `${label} must find the entry`);
        scribble(value);
        assert.deepStrictEqual(await backend.get(sampleKey(1)), richValue(), `after ${label}`);
      }
    },
  },
  {
    name: "freshObjects",
    title:
      "get() never returns the object passed to set(), and what two reads share is deep-frozen",
    async run(context) {
      const backend = await context.createBackend();
      const value = richValue();
      await backend.set(sampleKey(1), value, 60);
      const first = await backend.get(sampleKey(1));
      const second = await backend.get(sampleKey(1));
      assert.ok(first && second, "the entry must be present");
      assert.notEqual(first, value, "get() returned the object passed to set()");
      assert.notEqual(
        first.limits,
        value.limits,
        "get() returned a part of the object passed to set()",
      );
      if (first === second || first.limits === second.limits) {
        assertDeepFrozen(first, "a value two get() calls share");
      }
    },
  },
  {
    name: "frozenValues",
    title:
      "get(), getWithTtl(), setIfAbsentGet() and peek() hand out deep-frozen values: mutating one throws",
    async run(context) {
      const backend = await context.createBackend();
      await backend.set(sampleKey(1), richValue(), 60);
      for (const { label, value } of await valuesHandedOut(backend, sampleKey(1))) {
        assert.ok(value, `${label} must find the entry`);
        assert.deepStrictEqual(value, richValue(), label);
        assertDeepFrozen(value, label);
        assertMutationThrows(value, label);
      }
    },
  },
  {
    name: "namespaces",
    title: "backends from separate createBackend() calls do not share entries",
    async run(context) {
      const first = await context.createBackend();
      const second = await context.createBackend();
      await first.set(sampleKey(1), sampleValue(1), 60);
      assert.equal(await second.get(sampleKey(1)), undefined, "another namespace saw the entry");
      await second.set(sampleKey(1), sampleValue(2), 60);
      assert.deepStrictEqual(await first.get(sampleKey(1)), sampleValue(1));
    },
  },
]);
