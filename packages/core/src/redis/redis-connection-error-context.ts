/**
 * What a client's connection error means for the URL it was built from, said in the error
 * itself: a database index the server refuses (`ERR DB index is out of range` names no index)
 * and a failed or silent TLS handshake (a `rediss://` URL to a plain server only times out).
 * The adapters call this first thing in their `error` listener, so every later listener (the
 * log, the engine's "last connection error") reads the explained message. The original message
 * is kept inside it; no option value (certificate, key, password) is ever added.
 */
import { errorMessage } from "./redis-errors.js";
import type { RedisEndpoint } from "./redis-url.js";

const EXPLAINED = Symbol("apikey.connectionErrorExplained");

const DATABASE_REFUSED = /DB index is out of range|invalid DB index|SELECT is not allowed/i;
const CONNECT_TIMEOUT = /ETIMEDOUT|Connection timeout|timed? ?out/i;
const CONNECTION_RESET = /ECONNRESET|EPIPE|socket hang up/i;
const TLS_FAILURE = /\b(SSL|TLS)\b|certificate|wrong version number|handshake|alert/i;
const TLS_CODES = new Set([
  "EPROTO",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** True when `error` is the server refusing the URL's database index (SELECT failed). */
export function isDatabaseRefusedError(error: unknown): boolean {
  return DATABASE_REFUSED.test(errorMessage(error));
}

/**
 * Rewrite `error.message` (once) to say what it means for `endpoint`; answers whether it did.
 * Leaves anything that is not an `Error`, or that it has nothing to add to, untouched.
 */
export function explainConnectionError(error: unknown, endpoint: RedisEndpoint): boolean {
  if (!(error instanceof Error)) return false;
  const marked = error as Error & { [EXPLAINED]?: true };
  if (marked[EXPLAINED] === true) return false;
  const explained = explanationOf(error, endpoint);
  if (explained === undefined) return false;
  try {
    Object.defineProperty(error, "message", {
      value: explained,
      writable: true,
      configurable: true,
    });
    Object.defineProperty(error, EXPLAINED, { value: true });
  } catch {
    return false;
  }
  return true;
}

function explanationOf(error: Error, endpoint: RedisEndpoint): string | undefined {
  const message = error.message;
  const { database } = endpoint;
  if (database !== undefined && DATABASE_REFUSED.test(message)) {
    return (
      `Redis refused database ${database} of the URL (SELECT ${database}: ${message}); ` +
      `the server has fewer databases (redis.conf "databases", 16 by default) or does not allow SELECT`
    );
  }
  if (!endpoint.tls) return undefined;
  const code = (error as { code?: unknown }).code;
  const tlsCode =
    typeof code === "string" &&
    (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_") || TLS_CODES.has(code));
  if (tlsCode || TLS_FAILURE.test(message)) {
    return `TLS handshake with ${endpoint.address} failed: ${message}`;
  }
  if (CONNECTION_RESET.test(message) || code === "ECONNRESET" || code === "EPIPE") {
    return (
      `TLS connection to ${endpoint.address} reset by the server (${message}); right after connecting this ` +
      "means the server refused the TLS handshake: does it require a client certificate (tls.cert and tls.key)?"
    );
  }
  if (CONNECT_TIMEOUT.test(message) || code === "ETIMEDOUT") {
    return (
      `TLS handshake with ${endpoint.address} did not complete within the connect timeout (${message}); ` +
      "is the server listening with TLS on that port? A plain redis:// server never answers a TLS hello"
    );
  }
  return undefined;
}
