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
import {
  type AuthOutcome,
  type AuthRefusal,
  authRefusal,
  type RefusalSettings,
} from "./auth-outcome.js";
import { type Credential, readCredentialWith } from "./credential.js";
import type { RequestHeaders } from "./request-headers.js";

/** Authenticates requests with options checked once; see {@link createRequestAuthenticator}. */
export interface RequestAuthenticator<V extends CachedApiKey = CachedApiKey> {
  /** The outcome for a request's headers (Node `headersDistinct`/`headers`, or Fetch `Headers`). Never rejects. */
  authenticate(headers: RequestHeaders): Promise<AuthOutcome<V>>;
  /** The settled options (defaults applied). */
  readonly options: ResolvedRequestAuthOptions<V>;
}

/**
 * Not an `async` function: a refusal settles at once, and a key costs one `then` on the
 * resolver's promise (an in-process hit is an already settled one), not an extra await frame.
 */
function authenticateWith<V extends CachedApiKey>(
  headers: RequestHeaders,
  options: ResolvedRequestAuthOptions<V>,
): Promise<AuthOutcome<V>> {
  let credential: Credential;
  try {
    credential = readCredentialWith(headers, options);
  } catch (error) {
    // Headers that cannot be read: a rejection, as from the async function this was.
    return Promise.reject(error);
  }
  if (credential.kind !== "key") return Promise.resolve(refusalFor(credential.kind, options));
  const source = credential.source;
  let pending: Promise<V | StoredMarker | undefined | null>;
  try {
    // Promise.resolve: a resolver may answer with a plain value or a foreign thenable.
    pending = Promise.resolve(options.resolver.resolve(credential.key));
  } catch (error) {
    // A resolver that throws instead of rejecting fails the same way.
    return Promise.resolve(unavailable(error, options));
  }
  return pending.then(
    (record): AuthOutcome<V> => {
      if (record === undefined || record === null) return authRefusal("invalid_api_key", options);
      if (record.active !== true) return authRefusal("inactive_api_key", options);
      return { ok: true, record: record as V, source };
    },
    (error: unknown) => unavailable(error, options),
  );
}

function refusalFor(
  kind: "missing" | "malformed" | "oversized",
  settings: RefusalSettings,
): AuthRefusal {
  if (kind === "missing") return authRefusal("missing_api_key", settings);
  return authRefusal(kind === "malformed" ? "malformed_api_key" : "oversized_api_key", settings);
}

/** The 503 for a resolver that failed, logged (the error, never the key). */
function unavailable(error: unknown, options: ResolvedRequestAuthOptions): AuthRefusal {
  options.logger.error(
    "API-key authentication unavailable: the resolver rejected; answering 503",
    error,
  );
  return authRefusal("auth_unavailable", options);
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
