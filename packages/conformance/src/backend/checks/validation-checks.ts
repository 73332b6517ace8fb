/**
 * Bad input fails with a typed `ApiKeyCacheError` and stores nothing. The reference cached a
 * NaN TTL forever and accepted anything as a value; these checks pin the stricter behaviour.
 */
import { strict as assert } from "node:assert";
import type { ApiKeyCacheBackend, CachedApiKey } from "@apikey/core";
import { type BackendCheck, defineChecks } from "../backend-check.js";
import { assertFailsWithCode } from "../check-assertions.js";
import { sampleKey, sampleValue } from "../check-fixtures.js";

/** TTLs that are not a finite number of seconds. */
const invalidTtls: readonly [string, unknown][] = [
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ['"5"', "5"],
  ["undefined", undefined],
  ["null", null],
];

/** Keys that are not a non-empty string. */
const invalidKeys: readonly [string, unknown][] = [
  ['""', ""],
  ["42", 42],
  ["undefined", undefined],
  ["null", null],
  ["an object", { key: "k" }],
];

function cyclic(): unknown {
  const value: Record<string, unknown> = { apiKey: "ak", active: true };
  value.self = value;
  return value;
}

class Account {
  readonly id = 1;
}

/** Values a backend must refuse, each with why. */
const invalidValues: readonly [string, () => unknown][] = [
  ["missing apiKey", () => ({ active: true })],
  ["numeric apiKey", () => ({ apiKey: 7, active: true })],
  ["missing active", () => ({ apiKey: "ak" })],
  ['active: "yes"', () => ({ apiKey: "ak", active: "yes" })],
  ["active: 1", () => ({ apiKey: "ak", active: 1 })],
  ["a function field", () => ({ apiKey: "ak", active: true, check: () => true })],
  ["a BigInt field", () => ({ apiKey: "ak", active: true, big: BigInt(1) })],
  ["a cycle", cyclic],
  ["a class instance field", () => ({ apiKey: "ak", active: true, account: new Account() })],
  ["a Date field", () => ({ apiKey: "ak", active: true, at: new Date(0) })],
  ["a Map field", () => ({ apiKey: "ak", active: true, map: new Map([["a", 1]]) })],
  ["an undefined field", () => ({ apiKey: "ak", active: true, note: undefined })],
  ["a NaN field", () => ({ apiKey: "ak", active: true, score: Number.NaN })],
  ["a nested symbol", () => ({ apiKey: "ak", active: true, deep: { s: Symbol("s") } })],
  ["null", () => null],
  ["an array", () => [{ apiKey: "ak", active: true }]],
  ["a string", () => '{"apiKey":"ak","active":true}'],
  ["a class instance", () => Object.assign(new Account(), { apiKey: "ak", active: true })],
];

type Write = (backend: ApiKeyCacheBackend, key: unknown, value: unknown, ttl: unknown) => unknown;

/** Every write method, called with unchecked arguments as a JavaScript caller could. */
function writers(backend: ApiKeyCacheBackend): [string, Write][] {
  const list: [string, Write][] = [
    ["set", (b, k, v, t) => b.set(k as string, v as CachedApiKey, t as number)],
    ["setIfAbsent", (b, k, v, t) => b.setIfAbsent(k as string, v as CachedApiKey, t as number)],
  ];
  if (backend.setIfAbsentGet) {
    list.push([
      "setIfAbsentGet",
      (b, k, v, t) => b.setIfAbsentGet?.(k as string, v as CachedApiKey, t as number),
    ]);
  }
  return list;
}

/** The `validation` group. */
export const validationChecks: readonly BackendCheck[] = defineChecks("validation", [
  {
    name: "invalidTtl",
    title:
      "a TTL that is NaN, ±Infinity or not a number fails with E_INVALID_TTL and stores nothing",
    async run(context) {
      const backend = await context.createBackend();
      const key = sampleKey(1);
      for (const [method, write] of writers(backend)) {
        for (const [label, ttl] of invalidTtls) {
          await assertFailsWithCode(
            () => write(backend, key, sampleValue(1), ttl),
            "E_INVALID_TTL",
            `${method}() with ttl ${label}`,
          );
          assert.equal(await backend.get(key), undefined, `${method}() with ttl ${label} stored`);
        }
      }
    },
  },
  {
    name: "invalidKey",
    title: "a key that is empty or not a string fails with E_INVALID_KEY",
    async run(context) {
      const backend = await context.createBackend();
      for (const [label, key] of invalidKeys) {
        await assertFailsWithCode(
          () => backend.get(key as string),
          "E_INVALID_KEY",
          `get(${label})`,
        );
        await assertFailsWithCode(
          () => backend.delete(key as string),
          "E_INVALID_KEY",
          `delete(${label})`,
        );
        for (const [method, write] of writers(backend)) {
          await assertFailsWithCode(
            () => write(backend, key, sampleValue(1), 60),
            "E_INVALID_KEY",
            `${method}(${label})`,
          );
        }
      }
      await backend.set(sampleKey(1), sampleValue(1), 60);
      assert.deepStrictEqual(await backend.get(sampleKey(1)), sampleValue(1), "still usable");
    },
  },
  {
    name: "invalidValue",
    title: "a value that is not a JSON-safe { apiKey, active } record fails with E_INVALID_VALUE",
    async run(context) {
      const backend = await context.createBackend();
      const key = sampleKey("fresh");
      for (const [method, write] of writers(backend)) {
        for (const [label, makeValue] of invalidValues) {
          await assertFailsWithCode(
            () => write(backend, key, makeValue(), 60),
            "E_INVALID_VALUE",
            `${method}() of ${label}`,
          );
          assert.equal(await backend.get(key), undefined, `${method}() of ${label} stored`);
        }
      }
    },
  },
  {
    name: "invalidValueKeepsEntry",
    title: "a rejected write leaves the entry that was there unchanged",
    async run(context) {
      const backend = await context.createBackend();
      const key = sampleKey("kept");
      await backend.set(key, sampleValue(1), 60);
      for (const [label, makeValue] of invalidValues) {
        await assertFailsWithCode(
          () => backend.set(key, makeValue() as CachedApiKey, 60),
          "E_INVALID_VALUE",
          `set() of ${label}`,
        );
      }
      for (const [label, ttl] of invalidTtls) {
        await assertFailsWithCode(
          () => backend.set(key, sampleValue(2), ttl as number),
          "E_INVALID_TTL",
          `set() with ttl ${label}`,
        );
      }
      assert.deepStrictEqual(await backend.get(key), sampleValue(1));
    },
  },
]);
