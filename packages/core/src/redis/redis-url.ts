/**
 * The one parser of `redis://` and `rediss://` URLs for every client adapter, and the
 * redaction of credentials in any text that may quote a URL. A URL's password must never
 * reach an error message, a `cause` or a log line, so a rejected URL is quoted redacted.
 */
import { ApiKeyCacheError } from "../errors.js";

/** Where a Redis URL points, with its credentials decoded. */
export interface RedisEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** `rediss://`. */
  tls: boolean;
  /** The database number of the path (`/2`), when given. */
  database?: number;
  /** `host:port`, an identity of the server without credentials. */
  readonly address: string;
}

/** Stands in for the `user:password` part of a URL. */
export const REDACTED_CREDENTIALS = "<redacted>";

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@"']*@/gi;

/** `text` with the `user:password@` of every URL in it replaced by `<redacted>@`. */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, `$1${REDACTED_CREDENTIALS}@`);
}

/**
 * Parse a Redis URL.
 * @throws ApiKeyCacheError `E_CONFIG` unless it is a `redis://` or `rediss://` URL; the
 * message quotes the URL with its credentials redacted.
 */
export function parseRedisUrl(url: unknown, owner: string): RedisEndpoint {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === "string" ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:")) {
    const got =
      parsed !== undefined
        ? JSON.stringify(withoutSecrets(parsed))
        : typeof url === "string"
          ? "a string that is not a URL (not quoted: it may hold a password)"
          : `a ${typeof url}`;
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: url must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379, got ${got}`,
    );
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
  const port = parsed.port === "" ? 6379 : Number(parsed.port);
  const endpoint: RedisEndpoint = {
    host,
    port,
    tls: parsed.protocol === "rediss:",
    address: `${host}:${port}`,
  };
  if (parsed.username !== "") endpoint.username = decodeURIComponent(parsed.username);
  if (parsed.password !== "") endpoint.password = decodeURIComponent(parsed.password);
  const database = parsed.pathname.replace(/^\//, "");
  if (/^\d+$/.test(database)) endpoint.database = Number(database);
  return endpoint;
}

/**
 * Protocol and host of `url`, nothing else: credentials, path, query and fragment may hold a
 * secret (for a scheme such as `user:`, everything after the colon is the path).
 */
function withoutSecrets(url: URL): string {
  if (url.host === "") return url.protocol;
  const credentials = url.username !== "" || url.password !== "" ? `${REDACTED_CREDENTIALS}@` : "";
  return `${url.protocol}//${credentials}${url.host}`;
}
