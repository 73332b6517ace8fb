export type {
  ApiKeyRecordResolver,
  RequestAuthOptions,
  ResolvedRequestAuthOptions,
} from "./auth-options.js";
export { REQUEST_AUTH_DEFAULTS } from "./auth-options.js";
export type {
  AuthErrorBody,
  AuthErrorCode,
  AuthOutcome,
  AuthRefusal,
  AuthSuccess,
  RefusalSettings,
} from "./auth-outcome.js";
export { AUTH_ERROR_MESSAGES } from "./auth-outcome.js";
export type { Credential } from "./credential.js";
export { readCredential } from "./credential.js";
export type {
  CredentialOptions,
  CredentialSource,
  ResolvedCredentialOptions,
} from "./credential-options.js";
export { CREDENTIAL_DEFAULTS } from "./credential-options.js";
export type { RequestAuthenticator } from "./request-authenticator.js";
export { authenticateRequest, createRequestAuthenticator } from "./request-authenticator.js";
export type {
  FetchRequestHeaders,
  NodeRawRequestHeaders,
  NodeRequestHeaders,
  RequestHeaders,
} from "./request-headers.js";
