/**
 * A tiny HTTP client for the walkthrough and the tests. Each request opens its own connection
 * (no keep-alive), so the cluster's round-robin hands consecutive requests to different workers.
 */
import { request as httpRequest } from "node:http";

/** A parsed response. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown;
  /** The worker that answered (the `x-worker-pid` header), if any. */
  workerPid: number | undefined;
}

/** Options of {@link sendRequest}. */
export interface SendRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** @default 10000 */
  timeoutMs?: number;
}

/** Send one request on a new connection. Rejects on a network error or after `timeoutMs`. */
export function sendRequest(url: string, options: SendRequestOptions = {}): Promise<HttpResponse> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (payload !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? "GET",
        headers,
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          const pidHeader = res.headers["x-worker-pid"];
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json,
            workerPid: typeof pidHeader === "string" ? Number(pidHeader) : undefined,
          });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no response from ${url} within the timeout`)));
    req.on("error", reject);
    req.end(payload);
  });
}
