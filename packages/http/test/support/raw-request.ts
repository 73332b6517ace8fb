/**
 * An HTTP request with repeated header lines, which `fetch` cannot send (its `Headers` joins
 * them into one line). Bounded by a timeout so nothing hangs.
 */
import { request } from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * GET `url` with `headers`: an array value sends one header line per entry; a flat array
 * (name, value, ...: the shape of `rawHeaders`) sends the lines as given, names in their case.
 */
export function rawGet(
  url: string,
  headers: Record<string, string | string[]> | string[],
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // Node adds no Host line to a flat array; an HTTP/1.1 server refuses a request without one.
    const lines = Array.isArray(headers) ? ["Host", new URL(url).host, ...headers] : headers;
    const req = request(url, { method: "GET", headers: lines, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}
