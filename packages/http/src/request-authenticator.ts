/**
 * Headers in, outcome out: read the credential, resolve it, and decide. Only a record with
 * `active === true` passes. The plaintext key goes to the resolver and nowhere else; a
 * resolver that rejects (database down, load timeout) gives 503 and is logged, but its error
 * text never reaches the reply.
 */
import type { CachedApiKey, StoredMarker } from "@apikey/core";
import {
  type RequestAuthOptions,
  type ResolvedRequestAuthOptions,
  resolveRequestAuthOptions,
} from "./auth-options.js";
import { type AuthOutcome, authRefusal } from "./auth-outcome.js";
import { readCredentialWith } from "./credential.js";
import type { RequestHeaders } from "./request-headers.js";

/** Authenticates requests with options checked once; see {@link createRequestAuthenticator}. */
export interface RequestAuthenticator<V extends CachedApiKey = CachedApiKey> {
  /** The outcome for a request's headers (Node `headersDistinct`/`headers`, or Fetch `Headers`). Never rejects. */
  authenticate(headers: RequestHeaders): Promise<AuthOutcome<V>>;
  /** The settled options (defaults applied). */
  readonly options: ResolvedRequestAuthOptions<V>;
}

async function authenticateWith<V extends CachedApiKey>(
  headers: RequestHeaders,
  options: ResolvedRequestAuthOptions<V>,
): Promise<AuthOutcome<V>> {
  const credential = readCredentialWith(headers, options);
  switch (credential.kind) {
    case "missing":
      return authRefusal("missing_api_key", options);
    case "malformed":
      return authRefusal("malformed_api_key", options);
    case "oversized":
      return authRefusal("oversized_api_key", options);
    case "key":
      break;
  }
  let record: V | StoredMarker | undefined | null;
  try {
    record = await options.resolver.resolve(credential.key);
  } catch (error) {
    options.logger.error(
      "API-key authentication unavailable: the resolver rejected; answering 503",
      error,
    );
    return authRefusal("auth_unavailable", options);
  }
  if (record === undefined || record === null) return authRefusal("invalid_api_key", options);
  if (record.active !== true) return authRefusal("inactive_api_key", options);
  return { ok: true, record: record as V, source: credential.source };
}

/**
 * An authenticator for `options`, checked once.
 *
 * @throws ApiKeyCacheError `E_CONFIG` for a bad option.
 */
export function createRequestAuthenticator<V extends CachedApiKey>(
  options: RequestAuthOptions<V>,
): RequestAuthenticator<V> {
  const resolved = resolveRequestAuthOptions(options);
  return {
    options: resolved,
    authenticate: (headers) => authenticateWith(headers, resolved),
  };
}

/**
 * Authenticate one request (checks `options` on every call; a server builds a
 * {@link createRequestAuthenticator} once instead). Never rejects for a request; throws
 * `E_CONFIG` for a bad option.
 */
export function authenticateRequest<V extends CachedApiKey>(
  headers: RequestHeaders,
  options: RequestAuthOptions<V>,
): Promise<AuthOutcome<V>> {
  return authenticateWith(headers, resolveRequestAuthOptions(options));
}
