/**
 * Value isolation: a backend behaves like Redis, so neither the object passed to `set` nor the
 * one `get` returns is the entry. The in-process backends are where this breaks.
 */
import { strict as assert } from "node:assert";
import type { CachedApiKey } from "@apikey/core";
import { type BackendCheck, defineChecks } from "../backend-check.js";
import { richValue, sampleKey, sampleValue } from "../check-fixtures.js";

/** Mutate a record deeply; a frozen copy throwing on mutation is fine too. */
function scribble(value: CachedApiKey): void {
  try {
    value.apiKey = "mutated";
    value.active = !value.active;
    value.injected = "yes";
    const limits = value.limits as { perMinute: number; tiers: unknown[] } | undefined;
    if (limits) {
      limits.perMinute = -1;
      limits.tiers.push("extra");
    }
    (value.scopes as string[] | undefined)?.push("root");
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
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
    name: "freshObjects",
    title: "get() returns a new object each time, never the one passed to set()",
    async run(context) {
      const backend = await context.createBackend();
      const value = richValue();
      await backend.set(sampleKey(1), value, 60);
      const first = await backend.get(sampleKey(1));
      const second = await backend.get(sampleKey(1));
      assert.ok(first && second, "the entry must be present");
      assert.notEqual(first, value, "get() returned the object passed to set()");
      assert.notEqual(first, second, "two get() calls returned the same object");
      assert.notEqual(first.limits, second.limits, "two get() calls share a nested object");
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
