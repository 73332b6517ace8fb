/**
 * Pulls the API key out of a request: `X-API-Key: <key>` or `Authorization: Bearer <key>`.
 * Everything that cannot be a key of ours is sorted out here, so it never costs a lookup.
 */
import type { IncomingHttpHeaders } from "node:http";
import { API_KEY_PATTERN, MAX_API_KEY_LENGTH } from "../api-key-format.js";

/** Why a request carries no usable key, or the key it carries. */
export type Credential =
  | { kind: "key"; key: string }
  | { kind: "missing" }
  | { kind: "oversized" }
  | { kind: "malformed" };

/** Read the key from the headers without trusting anything about it. */
export function readCredential(headers: IncomingHttpHeaders): Credential {
  const apiKeyHeader = single(headers["x-api-key"]);
  const authorization = single(headers.authorization);
  if (apiKeyHeader === null || authorization === null) return { kind: "malformed" };
  if (apiKeyHeader === undefined && authorization === undefined) return { kind: "missing" };

  let bearer: string | undefined;
  if (authorization !== undefined) {
    if (authorization.length > MAX_API_KEY_LENGTH + 7) return { kind: "oversized" };
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (match === null) return { kind: "malformed" };
    bearer = match[1];
  }
  // Two different keys in one request is ambiguous: refuse rather than pick one.
  if (apiKeyHeader !== undefined && bearer !== undefined && apiKeyHeader !== bearer) {
    return { kind: "malformed" };
  }
  const key = (apiKeyHeader ?? bearer ?? "").trim();
  if (key === "") return { kind: "missing" };
  if (key.length > MAX_API_KEY_LENGTH) return { kind: "oversized" };
  if (!API_KEY_PATTERN.test(key)) return { kind: "malformed" };
  return { kind: "key", key };
}

/** A header sent once; `null` when it was repeated. */
function single(value: string | string[] | undefined): string | undefined | null {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : null;
  return value;
}
