import { type CachedApiKey, hashApiKey, isApiKeyCacheError } from "@apikey/core";
import { describe, expect, it } from "vitest";
import {
  type AuthOutcome,
  authenticateRequest,
  createRequestAuthenticator,
  type RequestAuthOptions,
} from "../src/index.js";
import {
  ACTIVE_KEY,
  createFailingResolver,
  createRecordingLogger,
  createTestResolver,
  DISABLED_KEY,
  loggedText,
  REVOKED_KEY,
  type TestKeyRecord,
  UNKNOWN_KEY,
} from "./support/test-keys.js";

function configMessage(options: RequestAuthOptions): string | undefined {
  try {
    createRequestAuthenticator(options);
    return undefined;
  } catch (error) {
    return isApiKeyCacheError(error, "E_CONFIG") ? error.message : String(error);
  }
}

describe("createRequestAuthenticator", () => {
  it("gives the active record, typed as the resolver's, and where the key was found", async () => {
    const authenticator = createRequestAuthenticator({ resolver: await createTestResolver() });
    const outcome: AuthOutcome<TestKeyRecord> = await authenticator.authenticate({
      authorization: `Bearer ${ACTIVE_KEY}`,
    });
    expect(outcome).toEqual({
      ok: true,
      record: { apiKey: "key_active", active: true, tenant: "acme" },
      source: "authorization-bearer",
    });
  });

  it("refuses an unknown key with 401 invalid_api_key and the invalid_token challenge", async () => {
    const authenticator = createRequestAuthenticator({ resolver: await createTestResolver() });
    expect(await authenticator.authenticate({ "x-api-key": UNKNOWN_KEY })).toEqual({
      ok: false,
      status: 401,
      headers: { "www-authenticate": 'Bearer realm="api", error="invalid_token"' },
      body: { error: "invalid_api_key", message: "The API key is not valid." },
    });
  });

  it("refuses a missing key with a challenge that carries no error code (RFC 6750 3.1)", async () => {
    const authenticator = createRequestAuthenticator({
      resolver: await createTestResolver(),
      realm: "orders",
    });
    const outcome = await authenticator.authenticate({});
    expect(outcome).toMatchObject({
      ok: false,
      status: 401,
      headers: { "www-authenticate": 'Bearer realm="orders"' },
      body: { error: "missing_api_key" },
    });
  });

  it("names the configured sources in the missing_api_key message", async () => {
    const resolver = await createTestResolver();
    const message = async (sources: string[]) => {
      const outcome = await createRequestAuthenticator({ resolver, sources }).authenticate({});
      return outcome.ok ? undefined : outcome.body.message;
    };
    expect(await message(["authorization-bearer"])).toBe(
      "Send an API key as Authorization: Bearer <key>.",
    );
    expect(await message(["X-Service-Key", "authorization-bearer"])).toBe(
      "Send an API key in the X-Service-Key header or as Authorization: Bearer <key>.",
    );
  });

  it("refuses a revoked key (the tombstone) and a disabled one with 403, or 401 if asked", async () => {
    const resolver = await createTestResolver();
    const strict = createRequestAuthenticator({ resolver });
    const quiet = createRequestAuthenticator({ resolver, inactiveKeyStatus: 401 });
    for (const key of [REVOKED_KEY, DISABLED_KEY]) {
      expect(await strict.authenticate({ "x-api-key": key })).toEqual({
        ok: false,
        status: 403,
        headers: {},
        body: {
          error: "inactive_api_key",
          message: "The API key has been revoked or is no longer active.",
        },
      });
      expect(await quiet.authenticate({ "x-api-key": key })).toEqual(
        await quiet.authenticate({ "x-api-key": UNKNOWN_KEY }),
      );
    }
  });

  it("never asks the resolver about a missing, malformed or oversized credential", async () => {
    const asked: string[] = [];
    const authenticator = createRequestAuthenticator({
      resolver: {
        resolve: async (key: string) => {
          asked.push(key);
          return undefined;
        },
      },
    });
    await authenticator.authenticate({});
    await authenticator.authenticate({ authorization: "Basic abc" });
    await authenticator.authenticate({ "x-api-key": "k".repeat(2000) });
    await authenticator.authenticate({ "x-api-key": ["a", "b"] });
    expect(asked).toEqual([]);
  });

  it("answers 503 when the resolver rejects or throws, logging the error but never the key", async () => {
    const logger = createRecordingLogger();
    const throwing = {
      resolve: (): Promise<CachedApiKey | undefined> => {
        throw new Error("synchronous failure");
      },
    };
    for (const resolver of [createFailingResolver(), throwing]) {
      const outcome = await createRequestAuthenticator({ resolver, logger }).authenticate({
        "x-api-key": ACTIVE_KEY,
      });
      expect(outcome).toEqual({
        ok: false,
        status: 503,
        headers: { "cache-control": "no-store" },
        body: {
          error: "auth_unavailable",
          message: "Authentication is temporarily unavailable; retry later.",
        },
      });
    }
    expect(logger.calls.filter(([level]) => level === "error")).toHaveLength(2);
    expect(loggedText(logger.calls)).toContain("synchronous failure");
    expect(loggedText(logger.calls)).not.toContain(ACTIVE_KEY);
  });

  it("refuses a key revoked after it was served from the in-process cache", async () => {
    const resolver = await createTestResolver();
    const authenticator = createRequestAuthenticator({ resolver });
    const request = { rawHeaders: ["X-API-Key", ACTIVE_KEY] };
    expect(await authenticator.authenticate(request)).toMatchObject({ ok: true });
    // Served from the cache now (a peek hit), then revoked: the next request sees the tombstone.
    expect(await authenticator.authenticate(request)).toMatchObject({ ok: true });
    await resolver.revoke(hashApiKey(ACTIVE_KEY));
    expect(await authenticator.authenticate(request)).toMatchObject({
      ok: false,
      status: 403,
      body: { error: "inactive_api_key" },
    });
  });

  it("takes a resolver answering a plain value or a foreign thenable", async () => {
    const record = { apiKey: "key_plain", active: true };
    const plain = { resolve: () => record as unknown as Promise<CachedApiKey> };
    const thenable = {
      resolve: () =>
        ({
          // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise
          then: (onFulfilled: (value: CachedApiKey) => unknown) => onFulfilled(record),
        }) as unknown as Promise<CachedApiKey>,
    };
    for (const resolver of [plain, thenable]) {
      expect(
        await createRequestAuthenticator({ resolver }).authenticate({ "x-api-key": ACTIVE_KEY }),
      ).toEqual({ ok: true, record, source: "x-api-key" });
    }
  });

  it("rejects (never throws) for headers that cannot be read, and asks no resolver", async () => {
    const asked: string[] = [];
    const resolver = { resolve: async (key: string) => void asked.push(key) };
    const broken = {
      get: () => {
        throw new Error("headers unreadable");
      },
    };
    const pending = createRequestAuthenticator({ resolver }).authenticate(broken);
    await expect(pending).rejects.toThrow("headers unreadable");
    expect(asked).toEqual([]);
  });

  it("rejects bad options at construction with E_CONFIG naming the option", async () => {
    const resolver = await createTestResolver();
    expect(configMessage({ resolver: undefined as never })).toMatch(/option resolver/);
    expect(configMessage({ resolver: { resolve: 1 } as never })).toMatch(/option resolver/);
    expect(configMessage({ resolver, realm: 'a"b' })).toMatch(/option realm/);
    expect(configMessage({ resolver, realm: "a\nb" })).toMatch(/option realm/);
    expect(configMessage({ resolver, inactiveKeyStatus: 404 as never })).toMatch(
      /option inactiveKeyStatus must be 401 or 403/,
    );
    expect(configMessage({ resolver, logger: {} as never })).toMatch(/option logger/);
    expect(configMessage({ resolver, sources: [] })).toMatch(/option sources/);
    expect(configMessage({ resolver, realm: "my api" })).toBeUndefined();
  });
});

describe("authenticateRequest", () => {
  it("authenticates one request with options checked on the call", async () => {
    const resolver = await createTestResolver();
    expect(
      await authenticateRequest(new Headers({ "x-api-key": ACTIVE_KEY }), { resolver }),
    ).toMatchObject({ ok: true, record: { tenant: "acme" } });
    expect(() => authenticateRequest({}, { resolver, maxKeyLength: -1 })).toThrow(
      /option maxKeyLength/,
    );
  });
});
