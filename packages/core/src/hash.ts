/** API keys are looked up by their sha256 hex digest, so plaintext keys are never stored. */
import { createHash } from "node:crypto";
import { ApiKeyCacheError } from "./errors.js";
import { isWellFormedString } from "./validation.js";

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
  return createHash("sha256").update(plaintextKey, "utf8").digest("hex");
}
