import { describe, expect, it } from "vitest";
import { generateApiKey } from "../src/api-key-format.js";
import { readCredential } from "../src/http/credentials.js";

describe("readCredential", () => {
  const key = generateApiKey();

  it("reads X-API-Key and Authorization: Bearer", () => {
    expect(readCredential({ "x-api-key": key })).toEqual({ kind: "key", key });
    expect(readCredential({ authorization: `Bearer ${key}` })).toEqual({ kind: "key", key });
    expect(readCredential({ authorization: `bearer ${key}` })).toEqual({ kind: "key", key });
  });

  it("sorts out missing, malformed and oversized keys before any lookup", () => {
    expect(readCredential({})).toEqual({ kind: "missing" });
    expect(readCredential({ "x-api-key": "  " })).toEqual({ kind: "missing" });
    expect(readCredential({ "x-api-key": "not-a-key" })).toEqual({ kind: "malformed" });
    expect(readCredential({ authorization: `Basic ${key}` })).toEqual({ kind: "malformed" });
    expect(readCredential({ "x-api-key": `${key}x` })).toEqual({ kind: "malformed" });
    expect(readCredential({ "x-api-key": `ak_${"a".repeat(1100)}` })).toEqual({
      kind: "oversized",
    });
    expect(readCredential({ authorization: `Bearer ak_${"a".repeat(1100)}` })).toEqual({
      kind: "oversized",
    });
  });

  it("refuses two different keys in one request", () => {
    expect(
      readCredential({ "x-api-key": key, authorization: `Bearer ${generateApiKey()}` }),
    ).toEqual({ kind: "malformed" });
    expect(readCredential({ "x-api-key": key, authorization: `Bearer ${key}` })).toEqual({
      kind: "key",
      key,
    });
  });
});
