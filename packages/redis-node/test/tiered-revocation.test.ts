/**
 * The revocation guarantee through the tiered backend over node-redis: two process-like
 * instances (each its own L1, Redis connection and bus subscription) on one server and prefix.
 * With `revoke(h, { wait: true })` and a 50 ms L1, nothing started after `revoke` resolved,
 * on either instance, may come back active, even though loads that read "active" still land.
 */
import { useRedisServer } from "@apikey/conformance/redis";
import {
  InMemoryApiKeyCacheBackend,
  invalidationChannel,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import { afterAll, describe, expect, it } from "vitest";
import { nodeRedisDriver } from "../src/index.js";
import { runRevocationRace } from "./revocation-race.js";
import { randomPrefix } from "./test-clients.js";

const LOCAL_TTL_SECONDS = 0.05;
const redis = useRedisServer({ spawn: true });
const open: TieredApiKeyCacheBackend[] = [];

afterAll(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

/** One process's tiered backend: its own L1, Redis connection and bus connections. */
function tieredOn(
  keyPrefix: string,
  channel = invalidationChannel(keyPrefix),
): TieredApiKeyCacheBackend {
  const tiered = new TieredApiKeyCacheBackend({
    local: new InMemoryApiKeyCacheBackend(),
    remote: nodeRedisDriver.createBackend({ url: redis.url, keyPrefix, logger: silentLogger }),
    bus: nodeRedisDriver.createInvalidationBus({
      url: redis.url,
      channel,
      logger: silentLogger,
    }),
    localTtlSeconds: LOCAL_TTL_SECONDS,
    logger: silentLogger,
  });
  open.push(tiered);
  return tiered;
}

describe("revocation race through the tiered backend (node-redis)", () => {
  it("1,000 rounds with revoke(h, { wait: true }): nothing started after it is active on either instance", async () => {
    const keyPrefix = randomPrefix("tiered-race");
    const first = tieredOn(keyPrefix);
    const second = tieredOn(keyPrefix);
    // L1 in play on both: the race is against the local copies, not only Redis.
    await expect.poll(() => first.l1Enabled && second.l1Enabled, { timeout: 5_000 }).toBe(true);
    expect(first.maxStalenessMs).toBe(LOCAL_TTL_SECONDS * 1000);

    const report = await runRevocationRace({
      backends: [first, second],
      revokeOptions: { wait: true },
      // Each revoke waits 50 ms; more rounds at once keep the run short.
      parallel: 25,
    });
    expect(report.violationSamples).toEqual([]);
    expect(report.violations).toBe(0);
    expect(report.checkedAfterRevoke).toBe(1000 * 8);
    expect(report.revokedBy).toEqual([500, 500]);
    expect(report.overlappingActiveLoads).toBeGreaterThan(0);
    expect(report.elapsedMs).toBeLessThan(30_000);
    // The bus stayed up throughout: L1 was really in use.
    expect(first.l1Enabled && second.l1Enabled).toBe(true);
  });

  it("1,000 rounds with revoke(h, { wait: true }) while the other instance misses every bus message: still nothing active", async () => {
    // The second instance listens on another channel: as if every publish to it failed (the
    // tiered backend only logs a failed publish). Its L1 copies then end by localTtlSeconds,
    // which is what wait: true waits for.
    const keyPrefix = randomPrefix("tiered-race");
    const first = tieredOn(keyPrefix);
    const deaf = tieredOn(keyPrefix, invalidationChannel(randomPrefix("elsewhere")));
    await expect.poll(() => first.l1Enabled && deaf.l1Enabled, { timeout: 5_000 }).toBe(true);

    const report = await runRevocationRace({
      backends: [first, deaf],
      revokeOptions: { wait: true },
      parallel: 25,
    });
    expect(report.violationSamples).toEqual([]);
    expect(report.violations).toBe(0);
    expect(report.checkedAfterRevoke).toBe(1000 * 8);
    expect(report.overlappingActiveLoads).toBeGreaterThan(0);
    expect(report.elapsedMs).toBeLessThan(30_000);
  });
});
