/**
 * The two shapes request headers come in: Node's (`req.headers`, `req.headersDistinct`: a
 * record of strings or arrays) and the Fetch API's `Headers` (Hono, undici, workers). The
 * tricky point is repetition: only `headersDistinct` keeps every line of a repeated header;
 * `req.headers` and `Headers` join them with ", " (and Node keeps only the first
 * `Authorization`), so a comma in a credential is read as a repeated header too.
 */

/** Headers as a Node record (`IncomingHttpHeaders`, `headersDistinct`): lower-case names. */
export type NodeRequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Headers as the Fetch API has them (`Request#headers`): case-insensitive `get`. */
export interface FetchRequestHeaders {
  get(name: string): string | null;
}

/** Either shape; pass Node's `req.headersDistinct` where there is one. */
export type RequestHeaders = NodeRequestHeaders | FetchRequestHeaders;

function isFetchHeaders(headers: RequestHeaders): headers is FetchRequestHeaders {
  return typeof (headers as { get?: unknown }).get === "function";
}

/**
 * Every value sent for `name` (lower case): `[]` when absent, one entry per header line when
 * the shape keeps them apart, one joined entry otherwise.
 */
export function headerValues(headers: RequestHeaders, name: string): readonly string[] {
  if (isFetchHeaders(headers)) {
    const value = headers.get(name);
    return value === null ? [] : [value];
  }
  const value = Object.hasOwn(headers, name) ? headers[name] : undefined;
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : value;
}
