/**
 * What a demo API key looks like: `ak_` and 32 random bytes in base64url (256 bits), so a
 * guessed or mistyped key can be told apart from a well-formed one before any lookup.
 */
import { randomBytes } from "node:crypto";

/** Longest credential header value the service looks at; longer ones are refused unread. */
export const MAX_API_KEY_LENGTH = 1024;

/** Shape of every key this service issues. */
export const API_KEY_PATTERN: RegExp = /^ak_[A-Za-z0-9_-]{43}$/;

/** A new random plaintext key (returned to its owner once, never stored). */
export function generateApiKey(): string {
  return `ak_${randomBytes(32).toString("base64url")}`;
}

/** A new public key id (safe to log and to show in URLs). */
export function generateKeyId(): string {
  return `key_${randomBytes(9).toString("base64url")}`;
}
