import { createServer } from "node:http";
import express, { type Request } from "express";
import { describe, expect, expectTypeOf, it } from "vitest";
import { apiKeyAuth } from "../src/express/index.js";
import { describeServerAuth } from "./support/describe-server-auth.js";
import { listenOnLoopback } from "./support/listen.js";
import { ACTIVE_KEY, createTestResolver, type TestKeyRecord } from "./support/test-keys.js";

declare module "../src/express/index.js" {
  interface ApiKeyRecordTypes {
    record: TestKeyRecord;
  }
}

describeServerAuth("express 5", async (options) => {
  const app = express();
  app.get("/whoami", apiKeyAuth(options), (req, res) => {
    res.json({ record: req.apiKey });
  });
  app.get("/public", (req, res) => {
    res.json({ record: req.apiKey ?? null });
  });
  return listenOnLoopback(createServer(app));
});

describeServerAuth("node:http (Connect-style, no Express)", async (options) => {
  const middleware = apiKeyAuth(options);
  const server = createServer((req, res) => {
    const reply = (record: unknown) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ record }));
    };
    if (req.url === "/public") return reply((req as { apiKey?: unknown }).apiKey ?? null);
    middleware(req, res, (error) => {
      if (error !== undefined) {
        res.statusCode = 500;
        res.end();
        return;
      }
      reply((req as { apiKey?: unknown }).apiKey);
    });
  });
  return listenOnLoopback(server);
});

describe("express 5: mounting", () => {
  it("types req.apiKey as the record declared in ApiKeyRecordTypes", () => {
    expectTypeOf<Request["apiKey"]>().toEqualTypeOf<TestKeyRecord | undefined>();
  });

  it("protects every route after app.use and sets req.apiKey for each", async () => {
    const app = express();
    app.get("/health", (_req, res) => {
      res.json({ ok: true });
    });
    app.use(apiKeyAuth({ resolver: await createTestResolver() }));
    app.get("/a", (req, res) => {
      res.json({ tenant: req.apiKey?.tenant });
    });
    const server = await listenOnLoopback(createServer(app));
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      expect((await fetch(`${server.url}/a`)).status).toBe(401);
      const response = await fetch(`${server.url}/a`, { headers: { "x-api-key": ACTIVE_KEY } });
      expect(await response.json()).toEqual({ tenant: "acme" });
    } finally {
      await server.close();
    }
  });

  it("rejects a bad option when the middleware is built, not on a request", () => {
    expect(() => apiKeyAuth({ resolver: {} as never })).toThrow(
      expect.objectContaining({ code: "E_CONFIG" }),
    );
  });
});
