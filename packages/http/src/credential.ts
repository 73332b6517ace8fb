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
import { headerValue, REPEATED_HEADER, type RequestHeaders } from "./request-headers.js";

/** The key a request carries and where it was found, or why it carries no usable key. */
export type Credential =
  | { kind: "key"; key: string; source: CredentialSource }
  | { kind: "missing" }
  | { kind: "malformed" }
  | { kind: "oversized" };

const BEARER = /^Bearer +(\S+) *$/i;
/** Room for the scheme and spaces around a Bearer token before a value counts as oversized. */
const AUTHORIZATION_OVERHEAD = 64;

/** What one source holds: its key, or one of these (numbers, so no object per reading). */
const ABSENT = 0;
const MALFORMED = 1;
const OVERSIZED = 2;
type SourceReading = string | typeof ABSENT | typeof MALFORMED | typeof OVERSIZED;

/** Read one source: a repeated header is malformed, an empty one absent. */
function readSource(
  headers: RequestHeaders,
  source: CredentialSource,
  maxKeyLength: number,
): SourceReading {
  const bearer = source === "authorization-bearer";
  const sent = headerValue(headers, bearer ? "authorization" : source);
  if (sent === undefined) return ABSENT;
  if (sent === REPEATED_HEADER) return MALFORMED;
  const value = sent.trim();
  if (value === "") return ABSENT;
  if (!bearer) return value.length > maxKeyLength ? OVERSIZED : value;
  if (value.length > maxKeyLength + AUTHORIZATION_OVERHEAD) return OVERSIZED;
  const match = BEARER.exec(value);
  if (match === null) return MALFORMED;
  return match[1] ?? "";
}

/** Read with options already resolved (the middlewares' hot path). */
export function readCredentialWith(
  headers: RequestHeaders,
  options: ResolvedCredentialOptions,
): Credential {
  let key: string | undefined;
  let keySource: CredentialSource | undefined;
  for (const source of options.sources) {
    const reading = readSource(headers, source, options.maxKeyLength);
    if (reading === ABSENT) continue;
    if (reading === MALFORMED) return { kind: "malformed" };
    if (reading === OVERSIZED) return { kind: "oversized" };
    // Two different keys in one request are ambiguous: refuse rather than pick one.
    if (key !== undefined && key !== reading) return { kind: "malformed" };
    if (key === undefined) {
      key = reading;
      keySource = source;
    }
  }
  if (key === undefined || keySource === undefined) return { kind: "missing" };
  if (key.length > options.maxKeyLength) return { kind: "oversized" };
  if (!options.keyPattern.test(key)) return { kind: "malformed" };
  return { kind: "key", key, source: keySource };
}

/**
 * The credential of a request. Pass Node's `req` itself (its `rawHeaders` keep repeated headers
 * apart at no cost), `req.headersDistinct` (the same, built on first read), `req.headers`, or a
 * Fetch `Headers`.
 *
 * @throws ApiKeyCacheError `E_CONFIG` for a bad option.
 */
export function readCredential(headers: RequestHeaders, options?: CredentialOptions): Credential {
  return readCredentialWith(headers, resolveCredentialOptions(options));
}
