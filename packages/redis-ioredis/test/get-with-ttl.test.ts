/**
 * `getWithTtl()` over ioredis: GET and PTTL together, with the Redis-specific cases the shared
 * conformance checks cannot plant: a key without expiry, undecodable entries and keys of
 * another type (handled exactly as by `get`), and a paused server (one deadline for the pair).
 */

import { isApiKeyCacheError, silentLogger } from "@apikey/core";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IoredisApiKeyCacheBackend } from "../src/index.js";
import { rawRedis, waitUntilGone } from "./support/raw-redis.js";
import { recordingLogger } from "./support/recording-logger.js";
import { testPrefix } from "./support/test-prefix.js";

const VALUE = { apiKey: "pub_ttl", active: true };

describe("IoredisApiKeyCacheBackend.getWithTtl()", () => {
  const server = useRedisServer();
  const raw = rawRedis(() => server.url);
  let client: Redis;
  beforeAll(() => {
    client = new Redis(server.url);
  });
  afterAll(async () => {
    await client.quit();
  });

  it("returns get()'s value and the PTTL Redis reports, within (0, ttl]", async () => {
    const backend = new IoredisApiKeyCacheBackend(client, { keyPrefix: testPrefix() });
    await backend.set("k", VALUE, 2.5);
    const entry = await backend.getWithTtl("k");
    expect(entry?.value).toEqual(await backend.get("k"));
    expect(entry?.ttlMs).toBeGreaterThan(0);
    expect(entry?.ttlMs).toBeLessThanOrEqual(2500);
    expect(await raw.pttl(`${backend.keyPrefix}k`)).toBeLessThanOrEqual(entry?.ttlMs ?? 0);
    expect(await backend.getWithTtl("absent")).toBeUndefined();
    await backend.close();
  });

  it("a key written without expiry (another program) reports an infinite TTL", async () => {
    const backend = new IoredisApiKeyCacheBackend(client, { keyPrefix: testPrefix() });
    await raw.set(`${backend.keyPrefix}k`, JSON.stringify(VALUE));
    expect(await backend.getWithTtl("k")).toEqual({
      value: VALUE,
      ttlMs: Number.POSITIVE_INFINITY,
    });
    await raw.del(`${backend.keyPrefix}k`);
    await backend.close();
  });

  it("an undecodable entry reads as a miss, is logged and removed, like get()", async () => {
    const logger = recordingLogger();
    const backend = new IoredisApiKeyCacheBackend(client, { keyPrefix: testPrefix(), logger });
    const key = `${backend.keyPrefix}k`;
    await raw.set(key, "{not json", "PX", 60_000);
    expect(await backend.getWithTtl("k")).toBeUndefined();
    await waitUntilGone(raw, key);
    expect((await logger.waitFor("warn", key)).message).toContain("read as a miss");
    await backend.close();
  });

  it("a key of another type (WRONGTYPE) reads as a miss and is removed, like get()", async () => {
    const logger = recordingLogger();
    const backend = new IoredisApiKeyCacheBackend(client, { keyPrefix: testPrefix(), logger });
    const key = `${backend.keyPrefix}k`;
    await raw.hset(key, "apiKey", "x");
    expect(await backend.getWithTtl("k")).toBeUndefined();
    await waitUntilGone(raw, key);
    await logger.waitFor("warn", "WRONGTYPE");
    await backend.close();
  });
});

describe("IoredisApiKeyCacheBackend.getWithTtl() on a paused server", () => {
  const server = useRedisServer({ spawn: true });

  it("rejects E_BACKEND_UNAVAILABLE within one deadline (plus 1 s), then works after resume", async () => {
    const timeoutMs = 300;
    const client = new Redis(server.url, { enableAutoPipelining: true });
    client.on("error", () => {});
    const backend = new IoredisApiKeyCacheBackend(client, {
      keyPrefix: testPrefix(),
      commandTimeoutMs: timeoutMs,
      logger: silentLogger,
    });
    try {
      await backend.set("k", VALUE, 60);
      server.pause();
      const started = performance.now();
      const error = await backend.getWithTtl("k").then(
        () => undefined,
        (caught: unknown) => caught,
      );
      const elapsedMs = performance.now() - started;
      server.resume();
      expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE"), String(error)).toBe(true);
      expect(elapsedMs).toBeLessThan(timeoutMs + 1000);
      await expect
        .poll(() => backend.getWithTtl("k").catch(() => undefined), { timeout: 5_000 })
        .toMatchObject({ value: VALUE });
    } finally {
      server.resume();
      await backend.close();
      client.disconnect();
    }
  });
});
