/** The runtime protocol check and key hashing. */
import { describe, expect, it } from "vitest";
import { hashApiKey, InMemoryApiKeyCacheBackend, isApiKeyCacheBackend } from "../src/index.js";

describe("isApiKeyCacheBackend", () => {
  it("accepts the in-memory backend and any object with the six methods", () => {
    expect(isApiKeyCacheBackend(new InMemoryApiKeyCacheBackend())).toBe(true);
    const duck = {
      get: async () => undefined,
      set: async () => {},
      setIfAbsent: async () => false,
      delete: async () => {},
      clear: async () => {},
      close: async () => {},
    };
    expect(isApiKeyCacheBackend(duck)).toBe(true);
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a string", "backend"],
    ["a function", () => {}],
    ["an empty object", {}],
    ["an object missing close", { get() {}, set() {}, setIfAbsent() {}, delete() {}, clear() {} }],
    [
      "an object whose get is not a function",
      { get: 1, set() {}, setIfAbsent() {}, delete() {}, clear() {}, close() {} },
    ],
  ])("rejects %s", (_label, candidate) => {
    expect(isApiKeyCacheBackend(candidate)).toBe(false);
  });
});

describe("hashApiKey", () => {
  it("is sha256 hex of the UTF-8 plaintext (known vectors)", () => {
    expect(hashApiKey("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hashApiKey("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(hashApiKey("password")).toBe(
      "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
    );
  });

  it("hashes UTF-8 bytes, giving 64 lowercase hex characters", () => {
    const digest = hashApiKey("clé-🔑");
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest).not.toBe(hashApiKey("cle-🔑"));
  });
});
