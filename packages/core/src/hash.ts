/** API keys are looked up by their sha256 hex digest, so plaintext keys are never stored. */
import { createHash } from "node:crypto";

/** sha256 of the UTF-8 plaintext, lowercase hex (64 characters). */
export function hashApiKey(plaintextKey: string): string {
  return createHash("sha256").update(plaintextKey, "utf8").digest("hex");
}
