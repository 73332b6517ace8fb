/**
 * The one parser of Redis URLs for every client adapter (`redis://`, `rediss://` and
 * `redis+sentinel://`), and the redaction of credentials in any text that may quote a URL. A
 * URL's password must never reach an error message, a `cause` or a log line, so a rejected URL
 * is quoted redacted.
 */
import { ApiKeyCacheError } from "../errors.js";

/** One `host:port`. */
export interface RedisHostPort {
  readonly host: string;
  readonly port: number;
}

/** The Sentinel part of a `redis+sentinel://` URL. */
export interface RedisSentinelEndpoint {
  /** The master's name the sentinels monitor (`sentinel monitor <name> ...`). */
  readonly name: string;
  /** The sentinels to ask, in the URL's order (at least one). */
  readonly nodes: readonly RedisHostPort[];
}

/** Where a Redis URL points, with its credentials decoded. */
export interface RedisEndpoint {
  /** The server (for `redis+sentinel://`: the first sentinel). */
  host: string;
  port: number;
  /** Credentials of the server (for `redis+sentinel://`: of the master and replicas). */
  username?: string;
  password?: string;
  /** `rediss://`. */
  tls: boolean;
  /** The database number of the path (`/2`), when given. */
  database?: number;
  /** Present for a `redis+sentinel://` URL: the master is found through these sentinels. */
  sentinel?: RedisSentinelEndpoint;
  /** `host:port` (Sentinel: `sentinel:<name>@host:port,...`), an identity without credentials. */
  readonly address: string;
}

/** Stands in for the `user:password` part of a URL. */
export const REDACTED_CREDENTIALS = "<redacted>";

/** The port of a sentinel when its URL gives none. */
export const DEFAULT_SENTINEL_PORT = 26379;

/** The largest database index a URL may name (Redis's `databases` is a 32-bit int). */
export const MAX_DATABASE_INDEX: number = 2 ** 31 - 1;

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@"']*@/gi;

/** `redis+sentinel://[user:pass@]host[:port][,host[:port]...]/name[/db]` */
const SENTINEL_URL = /^(rediss?)\+sentinel:\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?$/i;

const URL_FORMS =
  "a redis://, rediss:// or redis+sentinel:// URL such as redis://127.0.0.1:6379/0 or " +
  "redis+sentinel://127.0.0.1:26379/mymaster";

/** `text` with the `user:password@` of every URL in it replaced by `<redacted>@`. */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, `$1${REDACTED_CREDENTIALS}@`);
}

/**
 * Parse a Redis URL: `redis://[user:pass@]host[:port][/db]`, the same with `rediss://` (TLS),
 * or `redis+sentinel://[user:pass@]host[:port][,host[:port]...]/masterName[/db]`.
 * @throws ApiKeyCacheError `E_CONFIG` for anything else, a database path that is not a whole
 * number, or a Sentinel URL without sentinels or master name; the message quotes the URL with
 * its credentials redacted (or not at all when it may hold a secret).
 */
export function parseRedisUrl(url: unknown, owner: string): RedisEndpoint {
  if (typeof url === "string" && /^rediss?\+sentinel:/i.test(url)) {
    return parseSentinelUrl(url, owner);
  }
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
    throw new ApiKeyCacheError("E_CONFIG", `${owner}: url must be ${URL_FORMS}, got ${got}`);
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
  const database = parseDatabase(parsed.pathname, owner, withoutSecrets(parsed));
  if (database !== undefined) endpoint.database = database;
  return endpoint;
}

function parseSentinelUrl(url: string, owner: string): RedisEndpoint {
  const match = SENTINEL_URL.exec(url);
  const invalid = (what: string): ApiKeyCacheError =>
    new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: a Sentinel URL is redis+sentinel://[user:password@]host[:port][,host[:port]...]/masterName[/db]; ${what}`,
    );
  if (match === null)
    throw invalid("this one is not of that form (not quoted: it may hold a password)");
  const [, scheme = "", credentials, hostList = "", path = ""] = match;
  if (scheme.toLowerCase() === "rediss") {
    throw invalid(
      "rediss+sentinel:// (TLS through Sentinel) is not supported; use redis+sentinel://",
    );
  }
  const nodes = hostList
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => parseHostPort(part, invalid));
  if (nodes.length === 0) throw invalid("it names no sentinel host");
  const [nameSegment = "", databaseSegment, ...rest] = path.replace(/^\//, "").split("/");
  if (nameSegment === "") throw invalid("it names no master (the path after the hosts)");
  if (rest.length > 0 && rest.some((segment) => segment !== "")) {
    throw invalid("its path has more than a master name and a database index");
  }
  const name = decodeURIComponent(nameSegment);
  const first = nodes[0] as RedisHostPort;
  const endpoint: RedisEndpoint = {
    host: first.host,
    port: first.port,
    tls: false,
    sentinel: { name, nodes },
    address: `sentinel:${name}@${nodes.map((node) => `${node.host}:${node.port}`).join(",")}`,
  };
  if (credentials !== undefined && credentials !== "") {
    const colon = credentials.indexOf(":");
    const user = colon === -1 ? credentials : credentials.slice(0, colon);
    const password = colon === -1 ? "" : credentials.slice(colon + 1);
    if (user !== "") endpoint.username = decodeURIComponent(user);
    if (password !== "") endpoint.password = decodeURIComponent(password);
  }
  const database = parseDatabase(
    databaseSegment === undefined ? "" : `/${databaseSegment}`,
    owner,
    `redis+sentinel://${hostList}/${nameSegment}`,
  );
  if (database !== undefined) endpoint.database = database;
  return endpoint;
}

function parseHostPort(part: string, invalid: (what: string) => ApiKeyCacheError): RedisHostPort {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(part);
  const port = match?.[2] === undefined ? DEFAULT_SENTINEL_PORT : Number(match[2]);
  if (match === null || port < 1 || port > 65535) {
    throw invalid(`${JSON.stringify(part)} is not a host[:port]`);
  }
  return { host: (match[1] as string).replace(/^\[(.*)\]$/, "$1"), port };
}

/** The database index of a URL path: none for `""` or `/`, a whole number, else `E_CONFIG`. */
function parseDatabase(pathname: string, owner: string, quoted: string): number | undefined {
  const path = pathname.replace(/^\//, "");
  if (path === "") return undefined;
  const database = /^\d+$/.test(path) ? Number(path) : Number.NaN;
  if (!(database <= MAX_DATABASE_INDEX)) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: the path of ${JSON.stringify(quoted)} must be a database index, a whole number from 0 ` +
        `to ${MAX_DATABASE_INDEX} such as /3 (not quoted: it may hold a secret)`,
    );
  }
  return database;
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
