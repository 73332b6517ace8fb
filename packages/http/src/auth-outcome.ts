/**
 * What authenticating a request gives: the active record, or a refusal that carries the
 * whole HTTP answer (status, headers, JSON body), so every framework sends the same bytes.
 * Refusals are built from fixed texts only: no plaintext key and no internal error text can
 * reach a reply.
 */
import type { CachedApiKey } from "@apikey/core";
import type { CredentialSource } from "./credential-options.js";

/** The `error` of a refusal's body. */
export type AuthErrorCode =
  | "missing_api_key"
  | "malformed_api_key"
  | "oversized_api_key"
  | "invalid_api_key"
  | "inactive_api_key"
  | "auth_unavailable";

/** The JSON body of a refusal. */
export interface AuthErrorBody {
  error: AuthErrorCode;
  message: string;
}

/** A request that may proceed. */
export interface AuthSuccess<V extends CachedApiKey = CachedApiKey> {
  ok: true;
  /** The active record the resolver returned. */
  record: V;
  /** Where the key was found. */
  source: CredentialSource;
}

/** A request that must be answered with this status, these headers and this body. */
export interface AuthRefusal {
  ok: false;
  status: 401 | 403 | 503;
  /** Lower-case header names; `www-authenticate` on every 401. */
  headers: Readonly<Record<string, string>>;
  body: AuthErrorBody;
}

/** The result of authenticating one request. */
export type AuthOutcome<V extends CachedApiKey = CachedApiKey> = AuthSuccess<V> | AuthRefusal;

const MESSAGES: Record<AuthErrorCode, string> = {
  missing_api_key: "Send an API key in the X-API-Key header or as Authorization: Bearer <key>.",
  malformed_api_key: "The API key is not in the expected format.",
  oversized_api_key: "The API key is too long.",
  invalid_api_key: "The API key is not valid.",
  inactive_api_key: "The API key has been revoked or is no longer active.",
  auth_unavailable: "Authentication is temporarily unavailable; retry later.",
};

/** The message of each refusal's body (`missing_api_key`: with the default sources). */
export const AUTH_ERROR_MESSAGES: Readonly<Record<AuthErrorCode, string>> = Object.freeze(MESSAGES);

/**
 * The `WWW-Authenticate` challenge (RFC 6750): no error code when no credential was sent
 * (section 3.1), `invalid_token` for one that cannot be used.
 */
function bearerChallenge(realm: string, credentialSent: boolean): string {
  return credentialSent
    ? `Bearer realm="${realm}", error="invalid_token"`
    : `Bearer realm="${realm}"`;
}

/** What a refusal depends on besides its code (settled options of the authenticator). */
export interface RefusalSettings {
  readonly realm: string;
  readonly inactiveKeyStatus: 401 | 403;
  /** The `missing_api_key` message, naming the sources actually read. */
  readonly missingKeyMessage: string;
}

/** The refusal for `error`; `settings.realm` must already be checked (no quote or backslash). */
export function authRefusal(error: AuthErrorCode, settings: RefusalSettings): AuthRefusal {
  if (error === "inactive_api_key" && settings.inactiveKeyStatus === 401) {
    // 401 for inactive keys: nothing tells them apart from unknown ones.
    return authRefusal("invalid_api_key", settings);
  }
  const message = error === "missing_api_key" ? settings.missingKeyMessage : MESSAGES[error];
  const body = { error, message };
  if (error === "auth_unavailable") {
    return { ok: false, status: 503, headers: { "cache-control": "no-store" }, body };
  }
  if (error === "inactive_api_key") return { ok: false, status: 403, headers: {}, body };
  const challenge = bearerChallenge(settings.realm, error !== "missing_api_key");
  return { ok: false, status: 401, headers: { "www-authenticate": challenge }, body };
}
