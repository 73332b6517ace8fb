import { request as httpRequest } from "node:http";
import { Writable } from "node:stream";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { type ApiKeyFastifyOptions, apiKeyAuth } from "../src/index.js";
import {
  ACTIVE_KEY,
  createFailingResolver,
  createTestResolver,
  LOADER_FAILURE_TEXT,
  REVOKED_KEY,
  type TestKeyRecord,
  UNKNOWN_KEY,
} from "./support/test-keys.js";

declare module "../src/index.js" {
  interface ApiKeyRecordTypes {
    record: TestKeyRecord;
  }
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** An app with the plugin, `/whoami` (answers its record) and `/health` (opted out). */
async function buildApp(
  options: Partial<ApiKeyFastifyOptions<TestKeyRecord>> = {},
): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  await app.register(apiKeyAuth, { resolver: await createTestResolver(), ...options });
  // `request.apiKey` is typed as the record declared above: `tenant` is a string.
  app.get("/whoami", async (request) => ({
    tenant: request.apiKey?.tenant,
    id: request.apiKey?.apiKey,
  }));
  app.get("/health", { config: { apiKey: false } }, async (request) => ({
    ok: true,
    apiKey: request.apiKey ?? null,
  }));
  return app;
}

describe("@apikey/fastify plugin (inject)", () => {
  it("types request.apiKey as the declared record, and the resolver option with it", () => {
    expectTypeOf<FastifyRequest["apiKey"]>().toEqualTypeOf<TestKeyRecord | undefined>();
    expectTypeOf<ApiKeyFastifyOptions<TestKeyRecord>["resolver"]["resolve"]>()
      .returns.resolves.extract<TestKeyRecord>()
      .toEqualTypeOf<TestKeyRecord>();
  });

  it("protects every route by default and decorates request.apiKey with the record", async () => {
    const app = await buildApp();
    const response = await app.inject({ url: "/whoami", headers: { "x-api-key": ACTIVE_KEY } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ tenant: "acme", id: "key_active" });
  });

  it("lets a route opt out with config: { apiKey: false }", async () => {
    const app = await buildApp();
    const response = await app.inject({ url: "/health" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, apiKey: null });
  });

  it("answers 401 with WWW-Authenticate for a missing or an unknown key", async () => {
    const app = await buildApp({ realm: "acme-api" });
    const missing = await app.inject({ url: "/whoami" });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers["www-authenticate"]).toBe('Bearer realm="acme-api"');
    expect(missing.headers["content-type"]).toMatch(/^application\/json/);
    expect(missing.json()).toEqual({
      error: "missing_api_key",
      message: "Send an API key in the X-API-Key header or as Authorization: Bearer <key>.",
    });
    const unknown = await app.inject({
      url: "/whoami",
      headers: { authorization: `Bearer ${UNKNOWN_KEY}` },
    });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.headers["www-authenticate"]).toBe(
      'Bearer realm="acme-api", error="invalid_token"',
    );
    expect(unknown.json()).toMatchObject({ error: "invalid_api_key" });
    expect(unknown.body).not.toContain(UNKNOWN_KEY);
  });

  it("answers 403 for a revoked key, or 401 with inactiveKeyStatus: 401", async () => {
    const strict = await buildApp();
    const revoked = await strict.inject({ url: "/whoami", headers: { "x-api-key": REVOKED_KEY } });
    expect(revoked.statusCode).toBe(403);
    expect(revoked.json()).toMatchObject({ error: "inactive_api_key" });
    const quiet = await buildApp({ inactiveKeyStatus: 401 });
    const hidden = await quiet.inject({ url: "/whoami", headers: { "x-api-key": REVOKED_KEY } });
    expect(hidden.statusCode).toBe(401);
    expect(hidden.json()).toMatchObject({ error: "invalid_api_key" });
  });

  it("answers an unmatched URL 401 without a key and 404 with one (no route list to strangers)", async () => {
    const app = await buildApp();
    expect((await app.inject({ url: "/nope" })).statusCode).toBe(401);
    const known = await app.inject({ url: "/nope", headers: { "x-api-key": ACTIVE_KEY } });
    expect(known.statusCode).toBe(404);
  });

  it("reads only the configured header", async () => {
    const app = await buildApp({ sources: ["x-service-key"] });
    const ignored = await app.inject({ url: "/whoami", headers: { "x-api-key": ACTIVE_KEY } });
    expect(ignored.statusCode).toBe(401);
    const read = await app.inject({ url: "/whoami", headers: { "x-service-key": ACTIVE_KEY } });
    expect(read.statusCode).toBe(200);
  });

  it("with protectByDefault: false protects only routes that opt in (config or hook)", async () => {
    const app = Fastify();
    apps.push(app);
    await app.register(apiKeyAuth, {
      resolver: await createTestResolver(),
      protectByDefault: false,
    });
    app.get("/open", async (request) => ({ apiKey: request.apiKey ?? null }));
    app.get("/by-config", { config: { apiKey: true } }, async (request) => ({
      tenant: request.apiKey?.tenant,
    }));
    app.get("/by-hook", { onRequest: [app.requireApiKey] }, async (request) => ({
      tenant: request.apiKey?.tenant,
    }));
    expect((await app.inject({ url: "/open" })).json()).toEqual({ apiKey: null });
    for (const url of ["/by-config", "/by-hook"]) {
      expect((await app.inject({ url })).statusCode).toBe(401);
      const allowed = await app.inject({ url, headers: { "x-api-key": ACTIVE_KEY } });
      expect(allowed.json()).toEqual({ tenant: "acme" });
    }
  });

  it("works when registered without await, routes declared right after (a synchronous app builder)", async () => {
    const app = Fastify();
    apps.push(app);
    app.register(apiKeyAuth, { resolver: await createTestResolver() });
    app.get("/whoami", async (request) => ({ tenant: request.apiKey?.tenant }));
    expect((await app.inject({ url: "/whoami" })).statusCode).toBe(401);
    const allowed = await app.inject({ url: "/whoami", headers: { "x-api-key": ACTIVE_KEY } });
    expect(allowed.json()).toEqual({ tenant: "acme" });
  });

  it("composes with a later onRequest hook that checks the record (an admin flag)", async () => {
    const app = Fastify();
    apps.push(app);
    await app.register(apiKeyAuth, {
      resolver: await createTestResolver(),
      protectByDefault: false,
    });
    let adminChecks = 0;
    app.get(
      "/admin",
      {
        onRequest: [
          app.requireApiKey,
          async (request, reply) => {
            adminChecks++;
            if (request.apiKey?.tenant !== "root") {
              return reply
                .code(403)
                .send({ error: "forbidden", message: "This needs an admin key." });
            }
          },
        ],
      },
      async () => ({ admin: true }),
    );
    const refused = await app.inject({ url: "/admin" });
    expect(refused.statusCode).toBe(401);
    expect(adminChecks).toBe(0);
    const forbidden = await app.inject({ url: "/admin", headers: { "x-api-key": ACTIVE_KEY } });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ error: "forbidden" });
    expect(adminChecks).toBe(1);
  });

  it("never runs the route of a refused request, even behind a slow async onSend hook", async () => {
    const app = Fastify();
    apps.push(app);
    app.addHook("onSend", async (_request, _reply, payload) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return payload;
    });
    await app.register(apiKeyAuth, { resolver: await createTestResolver() });
    let handled = 0;
    app.get("/guarded", async () => {
      handled++;
      return { handled };
    });
    const refused = await app.inject({ url: "/guarded" });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: "missing_api_key" });
    expect(handled).toBe(0);
  });

  it("keeps a route's opt-out on its automatic HEAD route", async () => {
    const app = await buildApp();
    expect((await app.inject({ method: "HEAD", url: "/health" })).statusCode).toBe(200);
    expect((await app.inject({ method: "HEAD", url: "/whoami" })).statusCode).toBe(401);
  });

  it("resolves a key once when both the scope hook and a route's hook require it", async () => {
    const resolver = await createTestResolver();
    let calls = 0;
    const counting = {
      resolve: (key: string) => {
        calls++;
        return resolver.resolve(key);
      },
    };
    const app = Fastify();
    apps.push(app);
    await app.register(apiKeyAuth, { resolver: counting });
    app.get("/twice", { onRequest: [app.requireApiKey] }, async (request) => ({
      id: request.apiKey?.apiKey,
    }));
    const response = await app.inject({ url: "/twice", headers: { "x-api-key": ACTIVE_KEY } });
    expect(response.json()).toEqual({ id: "key_active" });
    expect(calls).toBe(1);
  });

  it("applies to the scope it is registered in, routes of child plugins included (skip-override)", async () => {
    const app = Fastify();
    apps.push(app);
    await app.register(apiKeyAuth, { resolver: await createTestResolver() });
    await app.register(
      async (child) => {
        child.get("/inside", async (request) => ({ tenant: request.apiKey?.tenant }));
      },
      { prefix: "/v1" },
    );
    expect((await app.inject({ url: "/v1/inside" })).statusCode).toBe(401);
    const allowed = await app.inject({ url: "/v1/inside", headers: { "x-api-key": ACTIVE_KEY } });
    expect(allowed.json()).toEqual({ tenant: "acme" });
  });

  it("registered inside an encapsulated plugin, protects only that plugin's routes", async () => {
    const resolver = await createTestResolver();
    const app = Fastify();
    apps.push(app);
    await app.register(async (scope) => {
      await scope.register(apiKeyAuth, { resolver });
      scope.get("/private", async () => ({ private: true }));
    });
    app.get("/public", async () => ({ public: true }));
    expect((await app.inject({ url: "/private" })).statusCode).toBe(401);
    expect((await app.inject({ url: "/public" })).statusCode).toBe(200);
  });

  it("answers 503 when the resolver rejects, logging the error to Fastify's log without the key", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = Fastify({ logger: { level: "error", stream } });
    apps.push(app);
    await app.register(apiKeyAuth, { resolver: createFailingResolver() });
    app.get("/whoami", async () => ({ reached: true }));
    const response = await app.inject({ url: "/whoami", headers: { "x-api-key": ACTIVE_KEY } });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      error: "auth_unavailable",
      message: "Authentication is temporarily unavailable; retry later.",
    });
    expect(response.body).not.toContain("hunter2");
    const log = lines.join("");
    expect(log).toContain(LOADER_FAILURE_TEXT);
    expect(log).toContain("the resolver rejected");
    expect(log).not.toContain(ACTIVE_KEY);
  });

  it("makes app.ready() reject with E_CONFIG for a bad option", async () => {
    const bad = Fastify();
    apps.push(bad);
    bad.register(apiKeyAuth, {
      resolver: await createTestResolver(),
      protectByDefault: "yes" as never,
    });
    await expect(bad.ready()).rejects.toMatchObject({
      code: "E_CONFIG",
      message: expect.stringContaining("@apikey/fastify: option protectByDefault"),
    });
    const noResolver = Fastify();
    apps.push(noResolver);
    noResolver.register(apiKeyAuth, {} as never);
    await expect(noResolver.ready()).rejects.toMatchObject({ code: "E_CONFIG" });
  });
});

describe("@apikey/fastify plugin (real listen on loopback)", () => {
  async function listen(app: FastifyInstance): Promise<string> {
    return app.listen({ port: 0, host: "127.0.0.1" });
  }

  it("authenticates over a real socket with Authorization: Bearer and X-API-Key", async () => {
    const url = await listen(await buildApp());
    const bearer = await fetch(`${url}/whoami`, {
      headers: { authorization: `Bearer ${ACTIVE_KEY}` },
    });
    expect(bearer.status).toBe(200);
    expect(await bearer.json()).toEqual({ tenant: "acme", id: "key_active" });
    const header = await fetch(`${url}/whoami`, { headers: { "x-api-key": ACTIVE_KEY } });
    expect(header.status).toBe(200);
    const refused = await fetch(`${url}/whoami`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  });

  it("refuses a repeated Authorization header whose first line holds a valid key", async () => {
    const url = await listen(await buildApp());
    // One header line per entry (fetch would join them into one).
    const repeated: Record<string, string | string[]> = {
      authorization: [`Bearer ${ACTIVE_KEY}`, `Bearer ${UNKNOWN_KEY}`],
    };
    const { status, body } = await new Promise<{ status: number; body: string }>(
      (resolve, reject) => {
        const req = httpRequest(
          `${url}/whoami`,
          {
            headers: repeated,
            timeout: 5000,
          },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              text += chunk;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on("timeout", () => req.destroy(new Error("timed out")));
        req.on("error", reject);
        req.end();
      },
    );
    expect(status).toBe(401);
    expect(JSON.parse(body)).toMatchObject({ error: "malformed_api_key" });
  });

  it("reads the raw header lines: any letter case passes, one name twice in two cases does not", async () => {
    const url = await listen(await buildApp());
    const host = new URL(url).host;
    /** GET /whoami with exactly these header lines (name, value, ...), names in their case. */
    const send = (lines: string[]) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          `${url}/whoami`,
          { headers: ["Host", host, ...lines], timeout: 5000 },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              text += chunk;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on("timeout", () => req.destroy(new Error("timed out")));
        req.on("error", reject);
        req.end();
      });
    const upper = await send(["X-API-KEY", ACTIVE_KEY]);
    expect(upper.status).toBe(200);
    expect(JSON.parse(upper.body)).toEqual({ tenant: "acme", id: "key_active" });
    const twice = await send([
      "Authorization",
      `Bearer ${ACTIVE_KEY}`,
      "AUTHORIZATION",
      "Bearer x",
    ]);
    expect(twice.status).toBe(401);
    expect(JSON.parse(twice.body)).toMatchObject({ error: "malformed_api_key" });
  });

  it("refuses before reading the body: a POST without a key gets 401, its body unparsed", async () => {
    const app = await buildApp();
    let parsed = 0;
    app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
      parsed++;
      done(null, JSON.parse(body as string));
    });
    app.post("/items", async () => ({ created: true }));
    const url = await listen(app);
    const refused = await fetch(`${url}/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ a: 1 }),
    });
    expect(refused.status).toBe(401);
    expect(parsed).toBe(0);
    const allowed = await fetch(`${url}/items`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": ACTIVE_KEY },
      body: JSON.stringify({ a: 1 }),
    });
    expect(allowed.status).toBe(200);
    expect(parsed).toBe(1);
  });
});
