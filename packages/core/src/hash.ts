/** API keys are looked up by their sha256 hex digest, so plaintext keys are never stored. */
import * as crypto from "node:crypto";
import { ApiKeyCacheError } from "./errors.js";
import { isWellFormedString } from "./validation.js";

/** sha256 hex of a UTF-8 string through a `Hash` object (every Node version). */
export function sha256HexStreaming(text: string): string {
  return crypto.createHash("sha256").update(text, "utf8").digest("hex");
}

type OneShotHash = (algorithm: string, data: string, outputEncoding: "hex") => string;

/**
 * `crypto.hash` (Node 20.12+, 21.7+): one call into C++, no `Hash` object to build and collect;
 * about a fifth of the streaming path's cost for a key-sized input. `undefined` on older Node.
 * Read through the namespace so an older Node, which lacks the export, still loads this file.
 */
const oneShotHash = (crypto as { hash?: OneShotHash }).hash;

/** sha256 hex of a UTF-8 string: `crypto.hash` where Node has it, else {@link sha256HexStreaming}. */
export const sha256Hex: (text: string) => string =
  typeof oneShotHash === "function"
    ? (text) => oneShotHash("sha256", text, "hex")
    : sha256HexStreaming;

/**
 * sha256 of the UTF-8 plaintext, lowercase hex (64 characters).
 * @throws ApiKeyCacheError `E_INVALID_KEY` if `plaintextKey` is not a string, or not
 * well-formed UTF-16 (a lone surrogate, which UTF-8 cannot encode: it would hash like another
 * key). The message never contains the key.
 */
export function hashApiKey(plaintextKey: string): string {
  if (typeof plaintextKey !== "string") {
    throw new ApiKeyCacheError("E_INVALID_KEY", "an API key must be a string");
  }
  if (!isWellFormedString(plaintextKey)) {
    throw new ApiKeyCacheError(
      "E_INVALID_KEY",
      "an API key must be well-formed UTF-16; this one holds a lone surrogate",
    );
  }
  return sha256Hex(plaintextKey);
}
