import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { describe, expect, expectTypeOf, it } from "vitest";
import { type ApiKeyEnv, apiKeyAuth } from "../src/hono/index.js";
import { type AuthTestServer, describeServerAuth } from "./support/describe-server-auth.js";
import { ACTIVE_KEY, createTestResolver, type TestKeyRecord } from "./support/test-keys.js";

function serveOnLoopback(app: { fetch: Hono["fetch"] }): Promise<AuthTestServer> {
  return new Promise((resolve) => {
    const server = serve(
      { fetch: app.fetch, port: 0, hostname: "127.0.0.1" },
      (info: AddressInfo) => {
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () =>
            new Promise<void>((done, fail) => {
              server.close((error) => (error ? fail(error) : done()));
              if ("closeAllConnections" in server) server.closeAllConnections();
            }),
        });
      },
    );
  });
}

describeServerAuth("hono (@hono/node-server)", async (options) => {
  const app = new Hono();
  app.get("/whoami", apiKeyAuth(options), (c) => c.json({ record: c.get("apiKey") }));
  app.get("/public", (c) => c.json({ record: null }));
  return serveOnLoopback(app);
});

describe("hono: mounting", () => {
  it("protects a sub-path with app.use and types c.get('apiKey') as the record", async () => {
    // app.use does not change the type of `app`: declare the environment on it.
    const app = new Hono<ApiKeyEnv<TestKeyRecord>>();
    app.use("/v1/*", apiKeyAuth({ resolver: await createTestResolver() }));
    app.get("/v1/tenant", (c) => {
      expectTypeOf(c.get("apiKey")).toEqualTypeOf<TestKeyRecord>();
      return c.json({ tenant: c.get("apiKey").tenant });
    });
    app.get("/health", (c) => c.json({ ok: true }));
    const server = await serveOnLoopback(app);
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      expect((await fetch(`${server.url}/v1/tenant`)).status).toBe(401);
      const response = await fetch(`${server.url}/v1/tenant`, {
        headers: { "x-api-key": ACTIVE_KEY },
      });
      expect(await response.json()).toEqual({ tenant: "acme" });
    } finally {
      await server.close();
    }
  });

  it("answers through app.request too (no server: the Fetch path other runtimes use)", async () => {
    const app = new Hono();
    app.get("/whoami", apiKeyAuth({ resolver: await createTestResolver() }), (c) =>
      c.json({ id: c.get("apiKey").apiKey }),
    );
    const refused = await app.request("/whoami", { headers: { "x-api-key": `${ACTIVE_KEY}, x` } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: "malformed_api_key" });
    const allowed = await app.request("/whoami", {
      headers: { authorization: `Bearer ${ACTIVE_KEY}` },
    });
    expect(await allowed.json()).toEqual({ id: "key_active" });
  });
});
