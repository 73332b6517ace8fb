import { isApiKeyCacheError } from "@apikey/core";
import { describe, expect, it } from "vitest";
import { type CredentialOptions, readCredential } from "../src/index.js";

const KEY = "ak_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

function configCode(options: CredentialOptions): string | undefined {
  try {
    readCredential({}, options);
    return undefined;
  } catch (error) {
    return isApiKeyCacheError(error) ? `${error.code}: ${error.message}` : String(error);
  }
}

describe("readCredential", () => {
  it("reads X-API-Key and Authorization: Bearer (any case of the scheme) by default", () => {
    expect(readCredential({ "x-api-key": KEY })).toEqual({
      kind: "key",
      key: KEY,
      source: "x-api-key",
    });
    expect(readCredential({ authorization: `bEaReR ${KEY}` })).toEqual({
      kind: "key",
      key: KEY,
      source: "authorization-bearer",
    });
  });

  it("reads Fetch Headers, whose names are case-insensitive", () => {
    expect(readCredential(new Headers({ "X-Api-Key": KEY }))).toMatchObject({ key: KEY });
  });

  it("accepts the same key in both sources and refuses two different ones", () => {
    expect(readCredential({ "x-api-key": KEY, authorization: `Bearer ${KEY}` })).toMatchObject({
      kind: "key",
      source: "x-api-key",
    });
    expect(readCredential({ "x-api-key": KEY, authorization: "Bearer other" })).toEqual({
      kind: "malformed",
    });
  });

  it("says missing for no header, an empty one, or one of whitespace", () => {
    expect(readCredential({})).toEqual({ kind: "missing" });
    expect(readCredential({ "x-api-key": "" })).toEqual({ kind: "missing" });
    expect(readCredential({ "x-api-key": "   ", authorization: "" })).toEqual({ kind: "missing" });
  });

  it("refuses a repeated header, as headersDistinct (an array) or joined with a comma", () => {
    expect(readCredential({ "x-api-key": [KEY, KEY] })).toEqual({ kind: "malformed" });
    expect(readCredential({ authorization: [`Bearer ${KEY}`, "Bearer x"] })).toEqual({
      kind: "malformed",
    });
    expect(readCredential({ "x-api-key": `${KEY}, ${KEY}` })).toEqual({ kind: "malformed" });
    expect(
      readCredential(
        new Headers([
          ["authorization", `Bearer ${KEY}`],
          ["authorization", "Bearer x"],
        ]),
      ),
    ).toEqual({ kind: "malformed" });
    // One line in an array is one header.
    expect(readCredential({ "x-api-key": [KEY] })).toMatchObject({ kind: "key" });
  });

  it("reads a Node request's rawHeaders: names in any case, repeated lines refused", () => {
    const raw = (...rawHeaders: string[]) => ({ rawHeaders });
    expect(readCredential(raw("Host", "x", "X-Api-Key", KEY))).toEqual({
      kind: "key",
      key: KEY,
      source: "x-api-key",
    });
    expect(readCredential(raw("AUTHORIZATION", ` Bearer  ${KEY} `))).toMatchObject({ key: KEY });
    expect(readCredential(raw("Host", "x"))).toEqual({ kind: "missing" });
    // Same key on two lines, in two cases: a repeated header, as headersDistinct reads it.
    expect(readCredential(raw("X-API-KEY", KEY, "x-api-key", KEY))).toEqual({ kind: "malformed" });
    expect(
      readCredential(raw("Authorization", `Bearer ${KEY}`, "authorization", "Bearer x")),
    ).toEqual({ kind: "malformed" });
    // A name that only shares the length, or a value under another name, is not the header.
    expect(readCredential(raw("x-api-kez", KEY, "authorizatioN2", KEY))).toEqual({
      kind: "missing",
    });
  });

  it("prefers rawHeaders over a get method (an Express req has both; get joins repeats)", () => {
    const request = {
      rawHeaders: ["authorization", `Bearer ${KEY}`, "authorization", "Bearer other"],
      get: (name: string) => (name === "authorization" ? `Bearer ${KEY}` : null),
    };
    expect(readCredential(request)).toEqual({ kind: "malformed" });
  });

  it("refuses another Authorization scheme and a Bearer without a token", () => {
    expect(readCredential({ authorization: `Basic ${KEY}` })).toEqual({ kind: "malformed" });
    expect(readCredential({ authorization: "Bearer" })).toEqual({ kind: "malformed" });
    expect(readCredential({ authorization: `Bearer ${KEY} extra` })).toEqual({ kind: "malformed" });
  });

  it("says oversized past maxKeyLength, in either source, before any pattern check", () => {
    expect(readCredential({ "x-api-key": "k".repeat(1024) })).toMatchObject({ kind: "key" });
    expect(readCredential({ "x-api-key": "k".repeat(1025) })).toEqual({ kind: "oversized" });
    expect(readCredential({ authorization: `Bearer ${"k".repeat(1025)}` })).toEqual({
      kind: "oversized",
    });
    expect(readCredential({ authorization: `Bearer ${" ".repeat(5000)}x` })).toEqual({
      kind: "oversized",
    });
    expect(readCredential({ "x-api-key": "é".repeat(11) }, { maxKeyLength: 10 })).toEqual({
      kind: "oversized",
    });
  });

  it("refuses characters outside visible ASCII by default, and what keyPattern rejects", () => {
    expect(readCredential({ "x-api-key": "key with space" })).toEqual({ kind: "malformed" });
    expect(readCredential({ "x-api-key": "clé" })).toEqual({ kind: "malformed" });
    const keyPattern = /^ak_[A-Za-z0-9_-]{43}$/;
    expect(readCredential({ "x-api-key": KEY }, { keyPattern })).toMatchObject({ kind: "key" });
    expect(readCredential({ "x-api-key": "ak_short" }, { keyPattern })).toEqual({
      kind: "malformed",
    });
  });

  it("reads only the configured sources, any header name, in any case", () => {
    const options = { sources: ["X-Service-Token"] };
    expect(readCredential({ "x-service-token": KEY }, options)).toEqual({
      kind: "key",
      key: KEY,
      source: "x-service-token",
    });
    expect(readCredential({ "x-api-key": KEY, authorization: `Bearer ${KEY}` }, options)).toEqual({
      kind: "missing",
    });
  });

  it("rejects bad options with E_CONFIG naming the option", () => {
    expect(configCode({ sources: [] })).toMatch(/^E_CONFIG: @apikey\/http: option sources/);
    expect(configCode({ sources: ["authorization"] })).toMatch(/use "authorization-bearer"/);
    expect(configCode({ sources: ["x-api-key", "X-API-KEY"] })).toMatch(/twice/);
    expect(configCode({ sources: ["bad header"] })).toMatch(/not a header name/);
    expect(configCode({ maxKeyLength: 0 })).toMatch(/option maxKeyLength/);
    expect(configCode({ maxKeyLength: 1.5 })).toMatch(/option maxKeyLength/);
    expect(configCode({ keyPattern: /x/g })).toMatch(/option keyPattern must not have the g/);
    expect(configCode({ keyPattern: "x" as never })).toMatch(/option keyPattern must be a RegExp/);
    expect(configCode({ sources: ["x-api-key"], maxKeyLength: 64 })).toBeUndefined();
  });
});
