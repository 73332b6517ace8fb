/**
 * Typed errors. Every failure the library raises is an `ApiKeyCacheError` with a stable
 * `code`, so callers branch on the code, never on the message text.
 */

/** The stable codes of {@link ApiKeyCacheError}. */
export type ApiKeyCacheErrorCode =
  | "E_INVALID_TTL"
  | "E_INVALID_KEY"
  | "E_INVALID_VALUE"
  | "E_CONFIG"
  | "E_CLOSED"
  | "E_BACKEND_UNAVAILABLE"
  | "E_LOAD_TIMEOUT";

/** The one error class of the library: a literal `code`, a message saying what to do, a `cause`. */
export class ApiKeyCacheError extends Error {
  override readonly name: string = "ApiKeyCacheError";
  readonly code: ApiKeyCacheErrorCode;

  constructor(code: ApiKeyCacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `error` is an {@link ApiKeyCacheError}, optionally with the given code. */
export function isApiKeyCacheError(
  error: unknown,
  code?: ApiKeyCacheErrorCode,
): error is ApiKeyCacheError {
  return error instanceof ApiKeyCacheError && (code === undefined || error.code === code);
}
