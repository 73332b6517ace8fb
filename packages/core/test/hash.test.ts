import * as crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashApiKey, sha256Hex, sha256HexStreaming } from "../src/hash.js";

const VECTORS: [string, string][] = [
  ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  // UTF-8 bytes c3 a9 for "é", f0 9f 94 91 for the emoji.
  ["clé-🔑", crypto.createHash("sha256").update(Buffer.from("clé-🔑", "utf8")).digest("hex")],
];

describe("sha256Hex (the one-shot path) and its streaming fallback", () => {
  it("the one-shot path is the one in use where Node has crypto.hash", () => {
    const hasOneShot = typeof (crypto as { hash?: unknown }).hash === "function";
    expect(sha256Hex === sha256HexStreaming).toBe(!hasOneShot);
  });

  it.each(VECTORS)("both give the sha256 hex of the UTF-8 bytes of %j", (text, digest) => {
    expect(sha256Hex(text)).toBe(digest);
    expect(sha256HexStreaming(text)).toBe(digest);
  });

  it("agree on every key shape the demo issues and on long keys", () => {
    for (let index = 0; index < 200; index++) {
      const key = `ak_${crypto.randomBytes(32).toString("base64url")}${"x".repeat(index * 5)}`;
      expect(sha256Hex(key)).toBe(sha256HexStreaming(key));
      expect(hashApiKey(key)).toBe(sha256HexStreaming(key));
    }
  });
});
