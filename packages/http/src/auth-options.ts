/**
 * Options of the request authenticator (shared by every framework adapter), their defaults,
 * and the one-time check: a bad option fails at start-up with `E_CONFIG`, never on a request.
 */
import {
  ApiKeyCacheError,
  type ApiKeyCacheLogger,
  type ApiKeyResolver,
  type CachedApiKey,
  defaultLogger,
} from "@apikey/core";
import { AUTH_ERROR_MESSAGES, type RefusalSettings } from "./auth-outcome.js";
import {
  type CredentialOptions,
  type CredentialSource,
  type ResolvedCredentialOptions,
  resolveCredentialOptions,
} from "./credential-options.js";

/** The part of `ApiKeyResolver` the authenticator calls (any object with `resolve` fits). */
export type ApiKeyRecordResolver<V extends CachedApiKey = CachedApiKey> = Pick<
  ApiKeyResolver<V>,
  "resolve"
>;

/** Options of `createRequestAuthenticator` and of the framework middlewares. */
export interface RequestAuthOptions<V extends CachedApiKey = CachedApiKey>
  extends CredentialOptions {
  /** Resolves a plaintext key to its record (`createApiKeyResolver` from `@apikey/core`). */
  resolver: ApiKeyRecordResolver<V>;
  /** The `realm` of the `WWW-Authenticate` challenge. @default "api" */
  realm?: string;
  /**
   * Status for a key the resolver knows but that is not active (revoked, disabled, expired):
   * `403` tells the holder their key was withdrawn; `401` answers exactly as for an unknown
   * key (`invalid_api_key`). @default 403
   */
  inactiveKeyStatus?: 401 | 403;
  /** Where a failing resolver is reported (the 503s); never given a plaintext key. @default defaultLogger */
  logger?: ApiKeyCacheLogger;
}

/** {@link RequestAuthOptions} with defaults applied and checked. */
export interface ResolvedRequestAuthOptions<V extends CachedApiKey = CachedApiKey>
  extends ResolvedCredentialOptions,
    RefusalSettings {
  readonly resolver: ApiKeyRecordResolver<V>;
  readonly logger: ApiKeyCacheLogger;
}

/** The defaults of {@link RequestAuthOptions} beyond the credential ones. */
export const REQUEST_AUTH_DEFAULTS: { readonly realm: string; readonly inactiveKeyStatus: 403 } =
  Object.freeze({ realm: "api", inactiveKeyStatus: 403 });

/** A realm goes inside a quoted string: printable ASCII without `"` and `\`. */
const REALM = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function configError(option: string, message: string): ApiKeyCacheError {
  return new ApiKeyCacheError("E_CONFIG", `@apikey/http: option ${option} ${message}`);
}

/** "Send an API key in the X-Key header or as Authorization: Bearer <key>." for the sources given. */
function missingKeyMessage(sources: readonly CredentialSource[]): string {
  const places = sources.map((source) =>
    source.toLowerCase() === "authorization-bearer"
      ? "as Authorization: Bearer <key>"
      : `in the ${source} header`,
  );
  return `Send an API key ${places.join(" or ")}.`;
}

/** Apply the defaults and check every field. @throws ApiKeyCacheError `E_CONFIG` */
export function resolveRequestAuthOptions<V extends CachedApiKey>(
  options: RequestAuthOptions<V>,
): ResolvedRequestAuthOptions<V> {
  if (typeof options !== "object" || options === null) {
    throw configError("object", "is required: { resolver }");
  }
  const resolver = options.resolver;
  if (typeof resolver !== "object" || resolver === null || typeof resolver.resolve !== "function") {
    throw configError(
      "resolver",
      "must have a resolve(plaintextKey) method (createApiKeyResolver)",
    );
  }
  const realm = options.realm ?? REQUEST_AUTH_DEFAULTS.realm;
  if (typeof realm !== "string" || !REALM.test(realm)) {
    throw configError("realm", 'must be printable ASCII without " or \\');
  }
  const inactiveKeyStatus = options.inactiveKeyStatus ?? REQUEST_AUTH_DEFAULTS.inactiveKeyStatus;
  if (inactiveKeyStatus !== 401 && inactiveKeyStatus !== 403) {
    throw configError("inactiveKeyStatus", `must be 401 or 403, got ${String(inactiveKeyStatus)}`);
  }
  const logger = options.logger ?? defaultLogger;
  if (typeof logger !== "object" || logger === null || typeof logger.error !== "function") {
    throw configError("logger", "must have an error(message, ...details) method");
  }
  const credentialOptions = resolveCredentialOptions(options);
  return Object.freeze({
    ...credentialOptions,
    missingKeyMessage:
      options.sources === undefined
        ? AUTH_ERROR_MESSAGES.missing_api_key
        : missingKeyMessage(options.sources),
    resolver,
    realm,
    inactiveKeyStatus,
    logger,
  });
}
