/**
 * The shapes request headers come in: a Node request itself (its `rawHeaders`, one name and
 * one value per line as sent), Node's records (`req.headers`, `req.headersDistinct`: strings
 * or arrays) and the Fetch API's `Headers` (Hono, undici, workers). The tricky point is
 * repetition: only `rawHeaders` and `headersDistinct` keep every line of a repeated header;
 * `req.headers` and `Headers` join them with ", " (and Node keeps only the first
 * `Authorization`), so a comma in a credential is read as a repeated header too.
 */

/** Headers as a Node record (`IncomingHttpHeaders`, `headersDistinct`): lower-case names. */
export type NodeRequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Headers as the Fetch API has them (`Request#headers`): case-insensitive `get`. */
export interface FetchRequestHeaders {
  get(name: string): string | null;
}

/**
 * A Node request (`IncomingMessage`, Express's `req`): read from `rawHeaders` (name, value,
 * name, value, ...; names in the case they were sent). Repeated lines stay apart, as with
 * `headersDistinct`, but nothing is built per request to read them.
 */
export interface NodeRawRequestHeaders {
  readonly rawHeaders: readonly string[];
}

/** Any shape; pass Node's `req` (or `req.headersDistinct`) where there is one. */
export type RequestHeaders = NodeRequestHeaders | FetchRequestHeaders | NodeRawRequestHeaders;

/** What {@link headerValue} gives for a header sent on more than one line. */
export const REPEATED_HEADER: unique symbol = Symbol("repeated header");

/**
 * The one value sent for `name` (lower case): `undefined` when absent, {@link REPEATED_HEADER}
 * when the shape keeps repeated lines apart and there are several, the joined value otherwise.
 * Checked first: a Node request has no `get`, but Express's has one that reads the joined
 * `req.headers`, and `rawHeaders` is not a header name (those are lower case).
 */
export function headerValue(
  headers: RequestHeaders,
  name: string,
): string | undefined | typeof REPEATED_HEADER {
  const raw = (headers as Partial<NodeRawRequestHeaders>).rawHeaders;
  if (Array.isArray(raw)) return rawHeaderValue(raw, name);
  if (typeof (headers as Partial<FetchRequestHeaders>).get === "function") {
    return (headers as FetchRequestHeaders).get(name) ?? undefined;
  }
  const record = headers as NodeRequestHeaders;
  const value = Object.hasOwn(record, name) ? record[name] : undefined;
  if (value === undefined || typeof value === "string") return value;
  if (value.length > 1) return REPEATED_HEADER;
  return value[0];
}

/** The value of `name` in Node's flat `rawHeaders`, whose names keep the case they were sent in. */
function rawHeaderValue(
  raw: readonly string[],
  name: string,
): string | undefined | typeof REPEATED_HEADER {
  let found: string | undefined;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    if (!sameHeaderName(raw[index] as string, name)) continue;
    if (found !== undefined) return REPEATED_HEADER;
    found = raw[index + 1] as string;
  }
  return found;
}

/** `field` equals the lower-case `name` ignoring ASCII case (no string is built). */
function sameHeaderName(field: string, name: string): boolean {
  if (typeof field !== "string" || field.length !== name.length) return false;
  for (let index = 0; index < name.length; index++) {
    const code = field.charCodeAt(index);
    // Only A-Z fold, as toLowerCase does for the ASCII a header name is made of.
    const lower = code >= 65 && code <= 90 ? code + 32 : code;
    if (lower !== name.charCodeAt(index)) return false;
  }
  return true;
}
