/**
 * Turns a request into an authenticated key record, or the reason it is refused. The plaintext
 * key goes to the resolver and nowhere else: not into replies, not into logs.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { DemoKeyRecord, DemoResolver } from "../container.js";
import { readCredential } from "./credentials.js";

/** Why a request was refused (the `error` of the 401 body). */
export type AuthFailure =
  | "missing_api_key"
  | "malformed_api_key"
  | "oversized_api_key"
  | "invalid_api_key";

/** The result of {@link authenticate}. */
export type AuthResult = { ok: true; record: DemoKeyRecord } | { ok: false; reason: AuthFailure };

const MESSAGES: Record<AuthFailure, string> = {
  missing_api_key: "Send an API key in the X-API-Key header or as Authorization: Bearer <key>.",
  malformed_api_key: "The API key is not in the expected format.",
  oversized_api_key: "The API key is too long.",
  // Unknown and revoked keys get the same answer, so a caller learns nothing about other keys.
  invalid_api_key: "The API key is not valid.",
};

/** The message of the 401 reply for a refusal. */
export function authErrorMessage(reason: AuthFailure): string {
  return MESSAGES[reason];
}

/** Authenticate the request; only a record with `active === true` is accepted. */
export async function authenticate(
  headers: IncomingHttpHeaders,
  resolver: DemoResolver,
): Promise<AuthResult> {
  const credential = readCredential(headers);
  switch (credential.kind) {
    case "missing":
      return { ok: false, reason: "missing_api_key" };
    case "malformed":
      return { ok: false, reason: "malformed_api_key" };
    case "oversized":
      return { ok: false, reason: "oversized_api_key" };
    case "key": {
      const record = await resolver.resolve(credential.key);
      return record?.active === true
        ? { ok: true, record }
        : { ok: false, reason: "invalid_api_key" };
    }
  }
}
