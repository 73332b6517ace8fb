/**
 * The resolver's revocation guarantee over ioredis: 1,000 rounds of revoke racing loads
 * that read "active", on two resolvers with their own backends and connections on one server
 * and prefix. Nothing started after `revoke` resolved may come back active.
 */
import { redisCommand, useRedisServer } from "@apikey/conformance/redis";
import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  REVOKED_MARKER,
  silentLogger,
} from "@apikey/core";
import { afterAll, describe, expect, it } from "vitest";
import { ioredisDriver } from "../src/index.js";
import { runRevocationRace } from "./revocation-race.js";
import { testPrefix } from "./support/test-prefix.js";

const redis = useRedisServer({ spawn: true });
const open: ApiKeyCacheBackend[] = [];

afterAll(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

/** A backend on its own connection (a process of its own, in effect). */
function backendOn(keyPrefix: string): ApiKeyCacheBackend {
  const backend = ioredisDriver.createBackend({
    url: redis.url,
    keyPrefix,
    logger: silentLogger,
  });
  open.push(backend);
  return backend;
}

describe("revocation race over ioredis", () => {
  it("1,000 rounds, revoke from the loading resolver or the other: nothing started after revoke() is active", async () => {
    const keyPrefix = testPrefix("race");
    const first = backendOn(keyPrefix);
    const report = await runRevocationRace({ backends: [first, backendOn(keyPrefix)] });
    expect(report.violationSamples).toEqual([]);
    expect(report.violations).toBe(0);
    expect(report.checkedAfterRevoke).toBe(1000 * 8);
    expect(report.revokedBy).toEqual([500, 500]);
    // The race really happened: loads that had read "active" returned after revoke() was called.
    expect(report.overlappingActiveLoads).toBeGreaterThan(0);
    expect(report.lateActiveLoads).toBeGreaterThan(0);
    expect(report.elapsedMs).toBeLessThan(30_000);
  });

  it("revoke() stores the tombstone for max(ttlSeconds, 2 × loadTimeoutMs); the other resolver reads it", async () => {
    const keyPrefix = testPrefix("race");
    const load = async (): Promise<CachedApiKey> => ({ apiKey: "ak", active: true });
    const options = { load, ttlSeconds: 3, loadTimeoutMs: 4_000, logger: silentLogger };
    const revoker = createApiKeyResolver({ ...options, backend: backendOn(keyPrefix) });
    const other = createApiKeyResolver({ ...options, backend: backendOn(keyPrefix) });
    const keyHash = hashApiKey("ak_revoked_once");
    await revoker.revoke(keyHash);
    const pttl = Number(await redisCommand(redis.url, "PTTL", `${keyPrefix}${keyHash}`));
    expect(pttl).toBeGreaterThan(8_000 - 2_000);
    expect(pttl).toBeLessThanOrEqual(8_000);
    // The loader would say active: the tombstone answers first.
    await expect(other.resolve("ak_revoked_once")).resolves.toEqual(REVOKED_MARKER);
    expect(other.stats()).toMatchObject({ hits: 1, loads: 0 });
  });
});
