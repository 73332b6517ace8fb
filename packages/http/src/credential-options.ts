/**
 * Where a request's API key is read from and what a key may look like, validated once: a bad
 * option fails at start-up with `E_CONFIG` naming it, never on a request.
 */
import { ApiKeyCacheError } from "@apikey/core";

/**
 * Where to look for the key: `"authorization-bearer"` reads `Authorization: Bearer <key>`;
 * any other value is a header name (case-insensitive) whose whole value is the key.
 */
export type CredentialSource = "authorization-bearer" | (string & {});

/** Options of `readCredential` (and part of every middleware's options). */
export interface CredentialOptions {
  /**
   * Where to look, in order of preference for reporting. A request carrying two different
   * keys (in two sources) is malformed. @default ["x-api-key", "authorization-bearer"]
   */
  sources?: readonly CredentialSource[];
  /** Longest key accepted; a longer one is refused unread (`oversized_api_key`). @default 1024 */
  maxKeyLength?: number;
  /**
   * What a key must match (after the length check), e.g. your issued format
   * `/^ak_[A-Za-z0-9_-]{43}$/`; no `g` or `y` flag. A key never contains a comma (that is
   * how a repeated header reads). @default visible ASCII except the comma
   */
  keyPattern?: RegExp;
}

/** {@link CredentialOptions} with defaults applied and checked. */
export interface ResolvedCredentialOptions {
  readonly sources: readonly CredentialSource[];
  readonly maxKeyLength: number;
  readonly keyPattern: RegExp;
}

/** The defaults of {@link CredentialOptions}. */
export const CREDENTIAL_DEFAULTS: ResolvedCredentialOptions = Object.freeze({
  sources: Object.freeze(["x-api-key", "authorization-bearer"]) as readonly CredentialSource[],
  maxKeyLength: 1024,
  keyPattern: /^[\x21-\x2b\x2d-\x7e]+$/,
});

/** RFC 9110 `token`: the characters a header name may have. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function configError(option: string, message: string): ApiKeyCacheError {
  return new ApiKeyCacheError("E_CONFIG", `@apikey/http: option ${option} ${message}`);
}

/** Apply the defaults and check every field. @throws ApiKeyCacheError `E_CONFIG` */
export function resolveCredentialOptions(
  options: CredentialOptions = {},
): ResolvedCredentialOptions {
  const sources = resolveSources(options.sources);
  const maxKeyLength = options.maxKeyLength ?? CREDENTIAL_DEFAULTS.maxKeyLength;
  if (!Number.isSafeInteger(maxKeyLength) || maxKeyLength < 1) {
    throw configError("maxKeyLength", `must be a positive integer, got ${String(maxKeyLength)}`);
  }
  const keyPattern = options.keyPattern ?? CREDENTIAL_DEFAULTS.keyPattern;
  if (!(keyPattern instanceof RegExp)) {
    throw configError("keyPattern", "must be a RegExp");
  }
  if (keyPattern.global || keyPattern.sticky) {
    // test() on a g/y RegExp moves lastIndex: every other request would fail.
    throw configError("keyPattern", `must not have the g or y flag, got /${keyPattern.flags}`);
  }
  return Object.freeze({ sources, maxKeyLength, keyPattern });
}

function resolveSources(
  sources: readonly CredentialSource[] | undefined,
): readonly CredentialSource[] {
  if (sources === undefined) return CREDENTIAL_DEFAULTS.sources;
  if (!Array.isArray(sources) || sources.length === 0) {
    throw configError("sources", 'must be a non-empty array such as ["x-api-key"]');
  }
  const resolved: CredentialSource[] = [];
  for (const source of sources) {
    if (typeof source !== "string" || !HEADER_NAME.test(source)) {
      throw configError("sources", `has ${JSON.stringify(source)}, which is not a header name`);
    }
    const name = source.toLowerCase();
    if (name === "authorization") {
      throw configError("sources", 'has "authorization": use "authorization-bearer"');
    }
    if (resolved.includes(name)) {
      throw configError("sources", `lists ${JSON.stringify(name)} twice`);
    }
    resolved.push(name);
  }
  return Object.freeze(resolved);
}
