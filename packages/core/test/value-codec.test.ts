/** The wire format and the input checks every backend shares. */
import { describe, expect, it } from "vitest";
import {
  ApiKeyCacheError,
  assertCacheKey,
  decodeCachedApiKey,
  encodeCachedApiKey,
  isCachedApiKeyShape,
  ttlToMilliseconds,
} from "../src/index.js";

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiKeyCacheError);
    return (error as ApiKeyCacheError).code;
  }
  return undefined;
}

describe("encodeCachedApiKey", () => {
  it("writes compact JSON, extra fields included", () => {
    expect(encodeCachedApiKey({ apiKey: "ak", active: false })).toBe(
      '{"apiKey":"ak","active":false}',
    );
    expect(encodeCachedApiKey({ apiKey: "ak", active: true, scopes: ["a"], n: { x: null } })).toBe(
      '{"apiKey":"ak","active":true,"scopes":["a"],"n":{"x":null}}',
    );
  });

  const cyclic: Record<string, unknown> = { apiKey: "ak", active: true };
  cyclic.self = cyclic;
  const shared = { x: 1 };
  const sparse: number[] = [1];
  sparse[2] = 3;

  it.each([
    ["null", null],
    ["an array", [{ apiKey: "ak", active: true }]],
    ["missing apiKey", { active: true }],
    ["a numeric apiKey", { apiKey: 1, active: true }],
    ["active as a string", { apiKey: "ak", active: "true" }],
    ["a function field", { apiKey: "ak", active: true, f: () => 1 }],
    ["a BigInt field", { apiKey: "ak", active: true, b: BigInt(2) }],
    ["a cycle", cyclic],
    ["a Date field", { apiKey: "ak", active: true, d: new Date(0) }],
    ["an undefined field", { apiKey: "ak", active: true, u: undefined }],
    ["an Infinity field", { apiKey: "ak", active: true, i: Number.POSITIVE_INFINITY }],
    ["a sparse array", { apiKey: "ak", active: true, a: sparse }],
  ])("rejects %s with E_INVALID_VALUE", (_label, value) => {
    expect(codeOf(() => encodeCachedApiKey(value as never))).toBe("E_INVALID_VALUE");
  });

  it("names the offending path in the message", () => {
    expect(() =>
      encodeCachedApiKey({ apiKey: "ak", active: true, deep: { list: [1, () => 2] } }),
    ).toThrow(/value\.deep\.list\[1\]/);
  });

  it("accepts the same object twice in one value (a DAG, not a cycle)", () => {
    expect(encodeCachedApiKey({ apiKey: "ak", active: true, a: shared, b: shared })).toBe(
      '{"apiKey":"ak","active":true,"a":{"x":1},"b":{"x":1}}',
    );
  });
});

describe("decodeCachedApiKey", () => {
  it("decodes what encodeCachedApiKey wrote", () => {
    const value = { apiKey: "ak", active: true, scopes: ["read"] };
    expect(decodeCachedApiKey(encodeCachedApiKey(value))).toEqual(value);
  });

  it.each([
    ["not JSON", "{nope"],
    ["JSON null", "null"],
    ["a JSON array", "[]"],
    ["a JSON string", '"x"'],
    ["the wrong shape", '{"apiKey":1,"active":true}'],
    ["active missing", '{"apiKey":"ak"}'],
  ])("reads %s as undefined, never throwing", (_label, raw) => {
    expect(decodeCachedApiKey(raw)).toBeUndefined();
  });

  it("freezes every nested part, an own __proto__ field included, and nothing a polluted prototype lends", () => {
    const lent = { mutable: true };
    const proto = Object.prototype as Record<string, unknown>;
    proto.lentByPrototype = lent;
    try {
      const raw = '{"apiKey":"ak","active":true,"a":[{"b":[1,{"c":{}}]}],"__proto__":{"d":[]}}';
      const value = decodeCachedApiKey(raw) as unknown as Record<string, unknown>;
      const parts: unknown[] = [];
      const walk = (node: unknown): void => {
        if (typeof node !== "object" || node === null) return;
        parts.push(node);
        for (const child of Object.values(node)) walk(child);
      };
      walk(value);
      // The record, a, a[0], a[0].b, a[0].b[1], c, the own "__proto__" field and its d.
      expect(parts).toHaveLength(8);
      for (const part of parts) expect(Object.isFrozen(part)).toBe(true);
      expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toEqual({ d: [] });
      expect(Object.isFrozen(lent)).toBe(false);
    } finally {
      delete proto.lentByPrototype;
    }
  });

  it("isCachedApiKeyShape checks apiKey: string and active: boolean", () => {
    expect(isCachedApiKeyShape({ apiKey: "", active: false, state: "revoked" })).toBe(true);
    expect(isCachedApiKeyShape({ apiKey: "ak", active: 0 })).toBe(false);
    expect(isCachedApiKeyShape(null)).toBe(false);
  });
});

describe("ttlToMilliseconds", () => {
  it.each([
    [60, 60_000],
    [0.25, 250],
    [1.5, 1_500],
    [2.007, 2_007],
    [0.0004, 1],
    [1e-9, 1],
    [0, 0],
    [-0, 0],
    [-5, 0],
  ])("converts %s s to %s ms (rounded up, exact for whole milliseconds)", (seconds, ms) => {
    expect(ttlToMilliseconds(seconds)).toBe(ms);
  });

  it("is exact for every whole-millisecond TTL up to 100 s", () => {
    for (let ms = 1; ms <= 100_000; ms++) {
      if (ttlToMilliseconds(ms / 1000) !== ms)
        expect.fail(`${ms / 1000} s gave ${ttlToMilliseconds(ms / 1000)} ms`);
    }
  });

  it.each([
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ['"5"', "5"],
    ["undefined", undefined],
    ["null", null],
    ["too large to count in milliseconds", 1e300],
  ])("rejects %s with E_INVALID_TTL", (_label, ttl) => {
    expect(codeOf(() => ttlToMilliseconds(ttl as number))).toBe("E_INVALID_TTL");
  });
});

describe("assertCacheKey", () => {
  it("accepts a non-empty string", () => {
    expect(codeOf(() => assertCacheKey("k"))).toBeUndefined();
  });

  it.each([
    ["", ""],
    ["a number", 1],
    ["null", null],
    ["an object", {}],
  ])("rejects %s with E_INVALID_KEY", (_label, key) => {
    expect(codeOf(() => assertCacheKey(key))).toBe("E_INVALID_KEY");
  });
});
