/**
 * The behaviour every framework adapter must show, run against a real server on loopback:
 * each adapter's test file supplies a function that starts its framework with the middleware
 * on `GET /whoami` (which answers the record it was given) and without it on `GET /public`.
 */
import type { ApiKeyResolver } from "@apikey/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestAuthOptions } from "../../src/index.js";
import { rawGet } from "./raw-request.js";
import {
  ACTIVE_KEY,
  createFailingResolver,
  createRecordingLogger,
  createTestResolver,
  DISABLED_KEY,
  LOADER_FAILURE_TEXT,
  loggedText,
  REVOKED_KEY,
  type TestKeyRecord,
  UNKNOWN_KEY,
} from "./test-keys.js";

/** A running server; `close` stops it and resolves when it is closed. */
export interface AuthTestServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Start the framework on 127.0.0.1, port 0, with `GET /whoami` behind the middleware (reply:
 * `{ record }`, the record the framework hands the route) and `GET /public` without it
 * (reply: `{ record: null }` or whatever the framework holds, which must be nothing).
 */
export type StartAuthServer = (
  options: RequestAuthOptions<TestKeyRecord>,
) => Promise<AuthTestServer>;

async function withServer(
  start: StartAuthServer,
  options: RequestAuthOptions<TestKeyRecord>,
  work: (url: string) => Promise<void>,
): Promise<void> {
  const server = await start(options);
  try {
    await work(server.url);
  } finally {
    await server.close();
  }
}

/** The shared behaviour, for the adapter of `framework`. */
export function describeServerAuth(framework: string, start: StartAuthServer): void {
  describe(`${framework}: API-key middleware on a real server`, () => {
    let resolver: ApiKeyResolver<TestKeyRecord>;
    let server: AuthTestServer;

    beforeAll(async () => {
      resolver = await createTestResolver();
      server = await start({ resolver });
    });
    afterAll(async () => {
      await server?.close();
    });

    it("lets an active key in through X-API-Key and hands the route its record", async () => {
      const response = await fetch(`${server.url}/whoami`, {
        headers: { "x-api-key": ACTIVE_KEY },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        record: { apiKey: "key_active", active: true, tenant: "acme" },
      });
    });

    it("lets an active key in through Authorization: Bearer", async () => {
      const response = await fetch(`${server.url}/whoami`, {
        headers: { authorization: `Bearer ${ACTIVE_KEY}` },
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { record: TestKeyRecord }).record.apiKey).toBe(
        "key_active",
      );
    });

    it("answers 401 with a Bearer challenge without an error code when no key is sent", async () => {
      const response = await fetch(`${server.url}/whoami`);
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({
        error: "missing_api_key",
        message: "Send an API key in the X-API-Key header or as Authorization: Bearer <key>.",
      });
    });

    it("answers 401 invalid_token for an unknown key and never echoes the key", async () => {
      const response = await fetch(`${server.url}/whoami`, {
        headers: { "x-api-key": UNKNOWN_KEY },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe(
        'Bearer realm="api", error="invalid_token"',
      );
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ error: "invalid_api_key" });
      expect(text).not.toContain(UNKNOWN_KEY);
    });

    it("answers 401 malformed_api_key for a non-Bearer Authorization scheme", async () => {
      const response = await fetch(`${server.url}/whoami`, {
        headers: { authorization: `Basic ${ACTIVE_KEY}` },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe(
        'Bearer realm="api", error="invalid_token"',
      );
      expect(await response.json()).toMatchObject({ error: "malformed_api_key" });
    });

    it("answers 401 oversized_api_key for a key over maxKeyLength", async () => {
      const response = await fetch(`${server.url}/whoami`, {
        headers: { "x-api-key": "k".repeat(1025) },
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: "oversized_api_key" });
    });

    it("answers 401 malformed_api_key for two different keys in two headers", async () => {
      const response = await fetch(`${server.url}/whoami`, {
        headers: { "x-api-key": ACTIVE_KEY, authorization: `Bearer ${UNKNOWN_KEY}` },
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: "malformed_api_key" });
    });

    it("refuses a repeated Authorization header even when its first line holds a valid key", async () => {
      const response = await rawGet(`${server.url}/whoami`, {
        authorization: [`Bearer ${ACTIVE_KEY}`, `Bearer ${UNKNOWN_KEY}`],
      });
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body)).toMatchObject({ error: "malformed_api_key" });
    });

    it("reads a header name in any letter case, and refuses one sent twice in two cases", async () => {
      const upper = await rawGet(`${server.url}/whoami`, ["AUTHORIZATION", `Bearer ${ACTIVE_KEY}`]);
      expect(upper.status).toBe(200);
      const twice = await rawGet(`${server.url}/whoami`, [
        "X-API-Key",
        ACTIVE_KEY,
        "x-api-key",
        ACTIVE_KEY,
      ]);
      expect(twice.status).toBe(401);
      expect(JSON.parse(twice.body)).toMatchObject({ error: "malformed_api_key" });
    });

    it("refuses a repeated X-API-Key header, even with the same key twice", async () => {
      const response = await rawGet(`${server.url}/whoami`, {
        "x-api-key": [ACTIVE_KEY, ACTIVE_KEY],
      });
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body)).toMatchObject({ error: "malformed_api_key" });
    });

    it("answers 403 inactive_api_key for a revoked key and for a key disabled in the database", async () => {
      for (const key of [REVOKED_KEY, DISABLED_KEY]) {
        const response = await fetch(`${server.url}/whoami`, { headers: { "x-api-key": key } });
        expect(response.status).toBe(403);
        expect(response.headers.get("www-authenticate")).toBeNull();
        expect(await response.json()).toEqual({
          error: "inactive_api_key",
          message: "The API key has been revoked or is no longer active.",
        });
      }
    });

    it("leaves routes without the middleware alone", async () => {
      const response = await fetch(`${server.url}/public`, {
        headers: { "x-api-key": ACTIVE_KEY },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ record: null });
    });

    it("answers a revoked key like an unknown one with inactiveKeyStatus: 401", async () => {
      await withServer(
        start,
        { resolver, inactiveKeyStatus: 401, realm: "billing" },
        async (url) => {
          const response = await fetch(`${url}/whoami`, { headers: { "x-api-key": REVOKED_KEY } });
          expect(response.status).toBe(401);
          expect(response.headers.get("www-authenticate")).toBe(
            'Bearer realm="billing", error="invalid_token"',
          );
          expect(await response.json()).toMatchObject({ error: "invalid_api_key" });
        },
      );
    });

    it("reads only the configured sources", async () => {
      await withServer(start, { resolver, sources: ["authorization-bearer"] }, async (url) => {
        const viaHeader = await fetch(`${url}/whoami`, { headers: { "x-api-key": ACTIVE_KEY } });
        expect(viaHeader.status).toBe(401);
        expect(await viaHeader.json()).toEqual({
          error: "missing_api_key",
          message: "Send an API key as Authorization: Bearer <key>.",
        });
        const viaBearer = await fetch(`${url}/whoami`, {
          headers: { authorization: `bearer ${ACTIVE_KEY}` },
        });
        expect(viaBearer.status).toBe(200);
      });
    });

    it("answers 503 auth_unavailable when the resolver rejects, leaking neither key nor error text", async () => {
      const logger = createRecordingLogger();
      await withServer(start, { resolver: createFailingResolver(), logger }, async (url) => {
        const response = await fetch(`${url}/whoami`, { headers: { "x-api-key": ACTIVE_KEY } });
        expect(response.status).toBe(503);
        expect(response.headers.get("www-authenticate")).toBeNull();
        const text = await response.text();
        expect(JSON.parse(text)).toEqual({
          error: "auth_unavailable",
          message: "Authentication is temporarily unavailable; retry later.",
        });
        expect(text).not.toContain(ACTIVE_KEY);
        expect(text).not.toContain("hunter2");
      });
      // Reported for the operator, with the loader's error, but without the plaintext key.
      const errors = logger.calls.filter(([level]) => level === "error");
      expect(errors).toHaveLength(1);
      expect(loggedText(errors)).toContain(LOADER_FAILURE_TEXT);
      expect(loggedText(logger.calls)).not.toContain(ACTIVE_KEY);
    });
  });
}
