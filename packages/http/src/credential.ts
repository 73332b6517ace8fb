/**
 * Pulls the API key out of request headers without trusting anything about it: whatever
 * cannot be a key (repeated, ambiguous, oversized, wrongly shaped) is sorted out here, so it
 * never costs a lookup. The plaintext key is returned to the caller and kept nowhere.
 */
import {
  type CredentialOptions,
  type CredentialSource,
  type ResolvedCredentialOptions,
  resolveCredentialOptions,
} from "./credential-options.js";
import { headerValues, type RequestHeaders } from "./request-headers.js";

/** The key a request carries and where it was found, or why it carries no usable key. */
export type Credential =
  | { kind: "key"; key: string; source: CredentialSource }
  | { kind: "missing" }
  | { kind: "malformed" }
  | { kind: "oversized" };

const BEARER = /^Bearer +(\S+) *$/i;
/** Room for the scheme and spaces around a Bearer token before a value counts as oversized. */
const AUTHORIZATION_OVERHEAD = 64;

type SourceReading = { key: string } | "absent" | "malformed" | "oversized";

/** Read one source: a repeated header is malformed, an empty one absent. */
function readSource(
  headers: RequestHeaders,
  source: CredentialSource,
  maxKeyLength: number,
): SourceReading {
  const bearer = source === "authorization-bearer";
  const values = headerValues(headers, bearer ? "authorization" : source);
  if (values.length === 0) return "absent";
  if (values.length > 1) return "malformed";
  const value = (values[0] ?? "").trim();
  if (value === "") return "absent";
  if (!bearer) return value.length > maxKeyLength ? "oversized" : { key: value };
  if (value.length > maxKeyLength + AUTHORIZATION_OVERHEAD) return "oversized";
  const match = BEARER.exec(value);
  if (match === null) return "malformed";
  return { key: match[1] ?? "" };
}

/** Read with options already resolved (the middlewares' hot path). */
export function readCredentialWith(
  headers: RequestHeaders,
  options: ResolvedCredentialOptions,
): Credential {
  let found: { key: string; source: CredentialSource } | undefined;
  for (const source of options.sources) {
    const reading = readSource(headers, source, options.maxKeyLength);
    if (reading === "absent") continue;
    if (reading === "malformed" || reading === "oversized") return { kind: reading };
    // Two different keys in one request are ambiguous: refuse rather than pick one.
    if (found !== undefined && found.key !== reading.key) return { kind: "malformed" };
    found ??= { key: reading.key, source };
  }
  if (found === undefined) return { kind: "missing" };
  if (found.key.length > options.maxKeyLength) return { kind: "oversized" };
  if (!options.keyPattern.test(found.key)) return { kind: "malformed" };
  return { kind: "key", key: found.key, source: found.source };
}

/**
 * The credential of a request. Pass Node's `req.headersDistinct` (it keeps repeated headers
 * apart), `req.headers`, or a Fetch `Headers`.
 *
 * @throws ApiKeyCacheError `E_CONFIG` for a bad option.
 */
export function readCredential(headers: RequestHeaders, options?: CredentialOptions): Credential {
  return readCredentialWith(headers, resolveCredentialOptions(options));
}
