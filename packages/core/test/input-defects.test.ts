/**
 * Bad input that once got past the typed errors (issue 8): a value nested too deep, a getter
 * that answers differently on each read, TTL options the store cannot hold, a loader record
 * whose `expiresAt` is not epoch milliseconds, and strings with lone surrogates.
 */

import {
  type ApiKeyCacheBackend,
  ApiKeyCacheError,
  type ApiKeyCacheErrorCode,
  assertCacheKey,
  type CachedApiKey,
  createApiKeyResolver,
  encodeCachedApiKey,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  isApiKeyCacheError,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import { createInProcessBusNetwork } from "@apikey/core/testing";
import { afterEach, describe, expect, it } from "vitest";

/** The error `action` throws or rejects with; fails the test if it succeeds. */
async function failure(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  return expect.fail("expected the call to fail, but it succeeded");
}

async function expectCode(action: () => unknown, code: ApiKeyCacheErrorCode): Promise<Error> {
  const error = await failure(action);
  if (!isApiKeyCacheError(error)) {
    return expect.fail(`expected ApiKeyCacheError ${code}, got ${String(error)}`);
  }
  expect(error.code).toBe(code);
  return error;
}

/** `{ apiKey, active, nested: { nested: ... } }` with `levels` objects in all (the record included). */
function nestedRecord(levels: number): CachedApiKey {
  let inner: Record<string, unknown> = {};
  for (let level = 2; level < levels; level++) inner = { nested: inner };
  return { apiKey: "ak_deep", active: true, nested: inner };
}

const backends: Array<{ name: string; make: () => ApiKeyCacheBackend }> = [
  { name: "InMemoryApiKeyCacheBackend", make: () => new InMemoryApiKeyCacheBackend() },
  {
    name: "TieredApiKeyCacheBackend",
    make: () =>
      new TieredApiKeyCacheBackend({
        local: new InMemoryApiKeyCacheBackend(),
        remote: new InMemoryApiKeyCacheBackend(),
        bus: createInProcessBusNetwork().createBus(),
        logger: silentLogger,
      }),
  },
];

const opened: ApiKeyCacheBackend[] = [];
function open(make: () => ApiKeyCacheBackend): ApiKeyCacheBackend {
  const backend = make();
  opened.push(backend);
  return backend;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((backend) => backend.close()));
});

describe("a value nested deeper than 64 levels", () => {
  it("encodeCachedApiKey throws E_INVALID_VALUE naming the limit, not a RangeError", async () => {
    const error = await expectCode(
      () => encodeCachedApiKey(nestedRecord(100_000)),
      "E_INVALID_VALUE",
    );
    expect(error.message).toContain("64");
  });

  it("64 levels are accepted and round-trip; 65 are refused", async () => {
    const deepest = nestedRecord(64);
    expect(JSON.parse(encodeCachedApiKey(deepest))).toEqual(deepest);
    await expectCode(() => encodeCachedApiKey(nestedRecord(65)), "E_INVALID_VALUE");
    // Arrays count as levels too.
    let list: unknown = [];
    for (let level = 2; level < 65; level++) list = [list];
    await expectCode(
      () => encodeCachedApiKey({ apiKey: "ak", active: true, list }),
      "E_INVALID_VALUE",
    );
  });

  for (const { name, make } of backends) {
    it(`${name}: set, setIfAbsent and setIfAbsentGet throw E_INVALID_VALUE and store nothing`, async () => {
      const backend = open(make);
      const deep = nestedRecord(100_000);
      await expectCode(() => backend.set("deep", deep, 60), "E_INVALID_VALUE");
      await expectCode(() => backend.setIfAbsent("deep", deep, 60), "E_INVALID_VALUE");
      await expectCode(() => backend.setIfAbsentGet?.("deep", deep, 60), "E_INVALID_VALUE");
      expect(await backend.get("deep")).toBeUndefined();
    });
  }

  it("resolve() rejects with E_INVALID_VALUE when the loader returns one", async () => {
    const backend = open(() => new InMemoryApiKeyCacheBackend());
    const resolver = createApiKeyResolver({
      backend,
      load: async () => nestedRecord(100_000),
      logger: silentLogger,
    });
    await expectCode(() => resolver.resolve("sk_deep"), "E_INVALID_VALUE");
    expect(await backend.get(hashApiKey("sk_deep"))).toBeUndefined();
    expect(resolver.stats().loadErrors).toBe(1);
  });
});

/** `{ apiKey: "t", active }` whose `active` getter gives `true` on its first read only. */
function flakyRecord(): { record: CachedApiKey; reads: () => number } {
  let reads = 0;
  const record = { apiKey: "t" } as CachedApiKey;
  Object.defineProperty(record, "active", {
    enumerable: true,
    get: () => {
      reads++;
      return reads === 1 ? true : undefined;
    },
  });
  return { record, reads: () => reads };
}

describe("a getter that answers differently on each read", () => {
  it("encodeCachedApiKey reads it once and encodes what it validated", () => {
    const { record, reads } = flakyRecord();
    expect(encodeCachedApiKey(record)).toBe('{"apiKey":"t","active":true}');
    expect(reads()).toBe(1);
  });

  it("is refused when the one read gives an invalid value", async () => {
    let reads = 0;
    const record = { apiKey: "t" } as CachedApiKey;
    Object.defineProperty(record, "active", {
      enumerable: true,
      get: () => (++reads === 1 ? "yes" : true),
    });
    await expectCode(() => encodeCachedApiKey(record), "E_INVALID_VALUE");
  });

  for (const { name, make } of backends) {
    it(`${name} never stores an entry without active`, async () => {
      const backend = open(make);
      await backend.set("flaky", flakyRecord().record, 60);
      expect(await backend.get("flaky")).toEqual({ apiKey: "t", active: true });
    });
  }

  it("resolve() validates, stores and returns one read of the loaded record", async () => {
    const backend = open(() => new InMemoryApiKeyCacheBackend());
    const { record, reads } = flakyRecord();
    const resolver = createApiKeyResolver({
      backend,
      load: async () => record,
      logger: silentLogger,
    });
    expect(await resolver.resolve("sk_flaky")).toEqual({ apiKey: "t", active: true });
    expect(await backend.get(hashApiKey("sk_flaky"))).toEqual({ apiKey: "t", active: true });
    expect(await resolver.resolve("sk_flaky")).toEqual({ apiKey: "t", active: true });
    expect(reads()).toBe(1);
  });

  it("a field named __proto__ stays data, in the copy as in JSON", () => {
    const record = JSON.parse('{"apiKey":"ak","active":true,"__proto__":{"polluted":1}}');
    expect(encodeCachedApiKey(record)).toBe(
      '{"apiKey":"ak","active":true,"__proto__":{"polluted":1}}',
    );
  });
});

describe("TTL options the store cannot hold fail at construction", () => {
  const base = () => ({
    backend: open(() => new InMemoryApiKeyCacheBackend()),
    load: async (): Promise<CachedApiKey | undefined> => undefined,
  });

  it.each([
    ["ttlSeconds", { ttlSeconds: 1e13 }],
    ["negativeTtlSeconds", { negativeTtlSeconds: 1e13 }],
    // The tombstone lives max(ttlSeconds, 2 × loadTimeoutMs): a huge load deadline broke revoke.
    ["loadTimeoutMs", { loadTimeoutMs: 1e16 }],
  ])("%s", async (option, extra) => {
    const error = await expectCode(() => createApiKeyResolver({ ...base(), ...extra }), "E_CONFIG");
    expect(error.message).toContain(option);
  });

  it.each(["timeoutMs", "loadTimeoutMs", "writeTimeoutMs"])(
    "%s longer than a timer can wait (2^31 - 1 ms)",
    async (option) => {
      const error = await expectCode(
        () => createApiKeyResolver({ ...base(), [option]: 2 ** 31 }),
        "E_CONFIG",
      );
      expect(error.message).toContain(option);
      expect(() => createApiKeyResolver({ ...base(), [option]: 2 ** 31 - 1 })).not.toThrow();
    },
  );

  it("a backend whose maxStalenessMs a timer cannot wait (tiered localTtlSeconds: 1e13)", async () => {
    const backend = open(
      () =>
        new TieredApiKeyCacheBackend({
          local: new InMemoryApiKeyCacheBackend(),
          remote: new InMemoryApiKeyCacheBackend(),
          bus: createInProcessBusNetwork().createBus(),
          localTtlSeconds: 1e13,
          logger: silentLogger,
        }),
    );
    // Accepted, revoke(h, { wait: true }) would re-arm a 1 ms timer forever.
    const error = await expectCode(
      () => createApiKeyResolver({ backend, load: async () => undefined }),
      "E_CONFIG",
    );
    expect(error.message).toContain("localTtlSeconds");
  });

  it("the longest accepted ttlSeconds can still be written and revoked", async () => {
    const options = base();
    const ttlSeconds = Math.floor(Number.MAX_SAFE_INTEGER / 1000);
    const resolver = createApiKeyResolver({
      ...options,
      ttlSeconds,
      load: async () => ({ apiKey: "ak_long", active: true }),
      logger: silentLogger,
    });
    expect(await resolver.resolve("sk_long")).toEqual({ apiKey: "ak_long", active: true });
    expect(await options.backend.get(hashApiKey("sk_long"))).toEqual({
      apiKey: "ak_long",
      active: true,
    });
    await resolver.revoke(hashApiKey("sk_long"));
    expect((await resolver.resolve("sk_long"))?.active).toBe(false);
  });
});

describe("a loader record whose expiresAt is not epoch milliseconds", () => {
  it.each([
    ["an ISO string", "2000-01-01T00:00:00Z"],
    ["a numeric string", "946684800000"],
    ["a boolean", true],
    ["an object", { at: 946_684_800_000 }],
    ["a Date", new Date("2000-01-01T00:00:00Z")],
  ])(
    "%s is rejected as an invalid record naming the field, and nothing is cached",
    async (_label, expiresAt) => {
      const backend = open(() => new InMemoryApiKeyCacheBackend());
      const resolver = createApiKeyResolver({
        backend,
        load: async () => ({ apiKey: "ak_exp", active: true, expiresAt }),
        logger: silentLogger,
      });
      const error = await expectCode(() => resolver.resolve("sk_exp"), "E_INVALID_VALUE");
      expect(error.message).toContain("expiresAt");
      expect(await backend.get(hashApiKey("sk_exp"))).toBeUndefined();
      expect(resolver.stats().loadErrors).toBe(1);
    },
  );

  it("epoch milliseconds and null (no expiry) are accepted", async () => {
    const backend = open(() => new InMemoryApiKeyCacheBackend());
    const records: Record<string, CachedApiKey> = {
      [hashApiKey("sk_past")]: { apiKey: "ak_past", active: true, expiresAt: 946_684_800_000 },
      [hashApiKey("sk_null")]: { apiKey: "ak_null", active: true, expiresAt: null },
    };
    const resolver = createApiKeyResolver({
      backend,
      load: async (keyHash) => records[keyHash],
      logger: silentLogger,
    });
    expect(await resolver.resolve("sk_past")).toMatchObject({ apiKey: "ak_past", active: false });
    expect(await resolver.resolve("sk_null")).toEqual({
      apiKey: "ak_null",
      active: true,
      expiresAt: null,
    });
  });
});

describe("strings that are not well-formed UTF-16 (lone surrogates)", () => {
  const lone = ["sk_\uD800", "sk_\uDFFF", "\uDC00sk", "sk_\uD83D"];

  it("hashApiKey refuses them with E_INVALID_KEY instead of hashing two keys alike", async () => {
    for (const key of lone) await expectCode(() => hashApiKey(key), "E_INVALID_KEY");
    expect(hashApiKey("sk_\u{1F600}")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("assertCacheKey refuses them with E_INVALID_KEY; a surrogate pair is fine", async () => {
    for (const key of lone) await expectCode(() => assertCacheKey(key), "E_INVALID_KEY");
    expect(() => assertCacheKey("k\u{1F600}")).not.toThrow();
  });

  for (const { name, make } of backends) {
    it(`${name} refuses them as cache keys, so two never share an entry`, async () => {
      const backend = open(make);
      const value = { apiKey: "ak", active: true };
      await expectCode(() => backend.set("a\uD800", value, 60), "E_INVALID_KEY");
      await expectCode(() => backend.setIfAbsent("a\uD800", value, 60), "E_INVALID_KEY");
      await expectCode(() => backend.get("a\uDFFF"), "E_INVALID_KEY");
      await expectCode(() => backend.delete("a\uDFFF"), "E_INVALID_KEY");
    });
  }

  it("resolve() answers undefined for such a plaintext without hashing, reading or loading", async () => {
    const backend = open(() => new InMemoryApiKeyCacheBackend());
    let loads = 0;
    let hashes = 0;
    const resolver = createApiKeyResolver({
      backend,
      load: async () => {
        loads++;
        return { apiKey: "ak", active: true };
      },
      hash: (plaintext) => {
        hashes++;
        return hashApiKey(plaintext);
      },
      logger: silentLogger,
    });
    for (const key of lone) expect(await resolver.resolve(key)).toBeUndefined();
    expect({ loads, hashes }).toEqual({ loads: 0, hashes: 0 });
    expect(resolver.stats()).toMatchObject({ misses: 0, bypasses: 0, loads: 0 });
  });

  it("resolve() with the default hash refuses them too, and looks a good key up by hashApiKey", async () => {
    const backend = open(() => new InMemoryApiKeyCacheBackend());
    const asked: string[] = [];
    const resolver = createApiKeyResolver({
      backend,
      load: async (keyHash) => {
        asked.push(keyHash);
        return { apiKey: "ak", active: true };
      },
      logger: silentLogger,
    });
    for (const key of lone) expect(await resolver.resolve(key)).toBeUndefined();
    expect(asked).toEqual([]);
    const good = "sk_\u{1F600}";
    expect(await resolver.resolve(good)).toEqual({ apiKey: "ak", active: true });
    expect(await resolver.resolve(good)).toEqual({ apiKey: "ak", active: true });
    expect(asked).toEqual([hashApiKey(good)]);
    expect(await backend.get(hashApiKey(good))).toEqual({ apiKey: "ak", active: true });
    expect(resolver.stats()).toMatchObject({ hits: 1, misses: 1, loads: 1 });
  });

  it("resolve() reports a hash option that returns a lone surrogate as E_CONFIG", async () => {
    const resolver = createApiKeyResolver({
      backend: open(() => new InMemoryApiKeyCacheBackend()),
      load: async () => undefined,
      hash: () => "h\uD800",
      logger: silentLogger,
    });
    const error = await expectCode(() => resolver.resolve("sk_ok"), "E_CONFIG");
    expect(error).toBeInstanceOf(ApiKeyCacheError);
    expect(error.message).toContain("hash");
  });

  it("revoke() and invalidate() refuse such a key hash with E_INVALID_KEY", async () => {
    const resolver = createApiKeyResolver({
      backend: open(() => new InMemoryApiKeyCacheBackend()),
      load: async () => undefined,
      logger: silentLogger,
    });
    await expectCode(() => resolver.revoke("h\uD800"), "E_INVALID_KEY");
    await expectCode(() => resolver.invalidate("h\uDFFF"), "E_INVALID_KEY");
  });
});
