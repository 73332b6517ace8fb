/**
 * How `GET /v1/whoami` reads the key, through `@apikey/fastify` configured with the demo's key
 * format: X-API-Key or Authorization: Bearer; missing, malformed and oversized keys are refused
 * before any lookup; unknown and revoked keys get the same 401. In process, over real HTTP.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../src/api-key-format.js";
import { type DemoServer, startDemoServer } from "../src/server.js";
import { tempDataDir } from "./helpers.js";

describe("reading the API key", () => {
  const dataDir = tempDataDir();
  let server: DemoServer;
  let key: string;

  beforeAll(async () => {
    server = await startDemoServer({ env: {}, overrides: { port: 0, dataDir: dataDir.path } });
    key = server.adminKey ?? "";
  });
  afterAll(async () => {
    await server?.close();
    dataDir.remove();
  });

  async function whoami(
    headers: Record<string, string>,
  ): Promise<{ status: number; error?: string; challenge?: string | null }> {
    const response = await fetch(`${server.url}/v1/whoami`, { headers });
    const body = (await response.json()) as { error?: string };
    return {
      status: response.status,
      error: body.error,
      challenge: response.headers.get("www-authenticate"),
    };
  }

  it("reads X-API-Key and Authorization: Bearer", async () => {
    expect((await whoami({ "x-api-key": key })).status).toBe(200);
    expect((await whoami({ authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await whoami({ authorization: `bearer ${key}` })).status).toBe(200);
  });

  it("sorts out missing, malformed and oversized keys before any lookup, with a challenge", async () => {
    const loadsBefore = server.container.resolver.stats().loads;
    expect(await whoami({})).toMatchObject({ status: 401, error: "missing_api_key" });
    expect(await whoami({ "x-api-key": "not-a-key" })).toMatchObject({
      status: 401,
      error: "malformed_api_key",
    });
    expect(await whoami({ authorization: `Basic ${key}` })).toMatchObject({
      status: 401,
      error: "malformed_api_key",
    });
    expect(await whoami({ "x-api-key": `${key}x` })).toMatchObject({
      status: 401,
      error: "malformed_api_key",
    });
    const oversized = await whoami({ "x-api-key": `ak_${"a".repeat(1100)}` });
    expect(oversized).toMatchObject({ status: 401, error: "oversized_api_key" });
    expect(oversized.challenge).toContain('Bearer realm="api"');
    expect(server.container.resolver.stats().loads).toBe(loadsBefore);
  });

  it("refuses two different keys, and a repeated header", async () => {
    expect(
      await whoami({ "x-api-key": key, authorization: `Bearer ${generateApiKey()}` }),
    ).toMatchObject({
      status: 401,
      error: "malformed_api_key",
    });
    expect((await whoami({ "x-api-key": key, authorization: `Bearer ${key}` })).status).toBe(200);
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${server.url}/v1/whoami`);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          // The same header twice: ambiguous, so refused like two different keys.
          headers: { "x-api-key": [key, key] },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(401);
  });

  it("an unknown key is invalid_api_key, like a revoked one", async () => {
    expect(await whoami({ "x-api-key": generateApiKey() })).toMatchObject({
      status: 401,
      error: "invalid_api_key",
    });
  });
});
