/**
 * What a driver's backend says about Redis eviction, on servers started for it: one warning
 * naming the policy under `allkeys-lru` and `volatile-lru` (every entry has a TTL, so both can
 * evict tombstones), nothing under `noeviction`, nothing but a debug line when CONFIG is
 * renamed away, nothing at all with `checkMaxmemoryPolicy: false`. Plus the not-found marker
 * budget: a burst of unknown keys stores at most the budget's markers with their full TTL.
 */
import { randomUUID } from "node:crypto";
import { createApiKeyResolver, type RedisDriver, silentLogger } from "@apikey/core";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { describe, expect, it } from "vitest";
import { type RecordingLogger, recordingLogger } from "./recording-logger.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait (bounded) until `logger` has a line matching `pattern`; the check runs in the background. */
async function lineMatching(logger: RecordingLogger, pattern: RegExp): Promise<string> {
  for (let waited = 0; waited < 5_000; waited += 10) {
    const line = logger.lines.find((candidate) => pattern.test(candidate));
    if (line !== undefined) return line;
    await sleep(10);
  }
  throw new Error(`no log line matched ${pattern} within 5 s; got ${JSON.stringify(logger.lines)}`);
}

/** Register the eviction checks for `driver`. */
export function describeRedisEvictionChecks(name: string, driver: RedisDriver): void {
  describe(`${name}: maxmemory-policy check`, () => {
    const allkeys = useRedisServer({ spawn: true, config: ["maxmemory-policy allkeys-lru"] });
    const volatile = useRedisServer({
      spawn: true,
      config: ["maxmemory 64mb", "maxmemory-policy volatile-lru"],
    });
    const noeviction = useRedisServer({ spawn: true, config: ["maxmemory-policy noeviction"] });
    const renamed = useRedisServer({
      spawn: true,
      config: ["maxmemory-policy allkeys-lru", 'rename-command CONFIG ""'],
    });

    /** A backend on `url` with a recording logger, used once so the client connects. */
    const connectedBackend = async (url: string, checkMaxmemoryPolicy?: boolean) => {
      const logger = recordingLogger();
      const backend = driver.createBackend({
        url,
        keyPrefix: redisTestPrefix("eviction"),
        logger,
        ...(checkMaxmemoryPolicy === undefined ? {} : { checkMaxmemoryPolicy }),
      });
      await backend.get("k");
      return { backend, logger };
    };

    it("allkeys-lru: one warning naming the policy and what it means for revocation", async () => {
      const { backend, logger } = await connectedBackend(allkeys.url);
      try {
        const line = await lineMatching(logger, /maxmemory-policy/);
        expect(line).toMatch(/^warn: .*maxmemory-policy is allkeys-lru/);
        expect(line).toMatch(/tombstones/);
        expect(line).toMatch(/noeviction/);
        // One warning, not one per call or reconnect.
        await backend.get("k");
        await sleep(100);
        expect(logger.at("warn").filter((l) => l.includes("maxmemory-policy"))).toHaveLength(1);
      } finally {
        await backend.close();
      }
    });

    it("volatile-lru: warned too (every entry has a TTL, so tombstones can be evicted)", async () => {
      const { backend, logger } = await connectedBackend(volatile.url);
      try {
        const line = await lineMatching(logger, /maxmemory-policy/);
        expect(line).toMatch(/^warn: .*maxmemory-policy is volatile-lru/);
        expect(line).not.toMatch(/maxmemory is 0/);
      } finally {
        await backend.close();
      }
    });

    it("noeviction: no warning", async () => {
      const { backend, logger } = await connectedBackend(noeviction.url);
      try {
        // The check ran: the server counted a CONFIG call from it.
        let asked = false;
        for (let waited = 0; !asked && waited < 5_000; waited += 10) {
          const stats = String(await redisCommand(noeviction.url, "INFO", "commandstats"));
          asked = /cmdstat_config\|get:calls=|cmdstat_config:calls=/.test(stats);
          if (!asked) await sleep(10);
        }
        expect(asked).toBe(true);
        await sleep(50);
        expect(logger.lines).toEqual([]);
      } finally {
        await backend.close();
      }
    });

    it("CONFIG renamed away: calls work, no warning, at most one debug line", async () => {
      const { backend, logger } = await connectedBackend(renamed.url);
      try {
        const line = await lineMatching(logger, /maxmemory-policy/);
        expect(line).toMatch(/^debug: .*could not read maxmemory-policy/);
        await backend.set("k", { apiKey: "ak", active: true }, 5);
        expect(await backend.get("k")).toEqual({ apiKey: "ak", active: true });
        expect(logger.at("warn")).toEqual([]);
        expect(logger.at("error")).toEqual([]);
        expect(logger.lines.filter((l) => l.includes("maxmemory-policy"))).toHaveLength(1);
      } finally {
        await backend.close();
      }
    });

    it("checkMaxmemoryPolicy: false: no check, no line", async () => {
      const { backend, logger } = await connectedBackend(allkeys.url, false);
      try {
        await sleep(200);
        expect(logger.lines).toEqual([]);
      } finally {
        await backend.close();
      }
    });

    it("checkMaxmemoryPolicy that is not a boolean is E_CONFIG", () => {
      expect(() =>
        driver.createBackend({
          url: allkeys.url,
          checkMaxmemoryPolicy: "no" as unknown as boolean,
        }),
      ).toThrow(expect.objectContaining({ code: "E_CONFIG" }));
    });
  });

  describe(`${name}: not-found marker budget`, () => {
    const redis = useRedisServer();

    it("a burst of 60 unknown keys with negativeMarkersPerSecond 10 stores the budget's markers, and no more", async () => {
      const keyPrefix = redisTestPrefix("markers");
      const backend = driver.createBackend({
        url: redis.url,
        keyPrefix,
        logger: silentLogger,
        negativeMarkersPerSecond: 10,
      });
      try {
        const resolver = createApiKeyResolver({
          backend,
          load: async () => undefined,
          logger: silentLogger,
          negativeTtlSeconds: 30,
          timeoutMs: 2_000,
        });
        await backend.get("warm-up");
        const started = performance.now();
        for (let index = 0; index < 60; index++) {
          expect(await resolver.resolve(`ak_unknown_${randomUUID()}`)).toBeUndefined();
        }
        const windows = Math.ceil((performance.now() - started) / 1000) + 1;
        const keys = (await redisCommand(redis.url, "KEYS", `${keyPrefix}*`)) as string[];
        // At least one window's budget, at most one budget per one-second window the burst spanned.
        expect(keys.length).toBeGreaterThanOrEqual(10);
        expect(keys.length).toBeLessThanOrEqual(Math.min(60, 10 * windows));
        for (const key of keys) {
          expect(Number(await redisCommand(redis.url, "PTTL", key))).toBeGreaterThan(25_000);
        }
      } finally {
        await backend.clear();
        await backend.close();
      }
    });

    it("negativeTtlUnderPressureSeconds: markers over the budget live that long; records and tombstones are never capped", async () => {
      const keyPrefix = redisTestPrefix("markers");
      const backend = driver.createBackend({
        url: redis.url,
        keyPrefix,
        logger: silentLogger,
        negativeMarkersPerSecond: 0,
        negativeTtlUnderPressureSeconds: 2,
      });
      try {
        const resolver = createApiKeyResolver({
          backend,
          load: async (keyHash) =>
            keyHash.endsWith("0") ? { apiKey: "ak_known", active: true } : undefined,
          logger: silentLogger,
          negativeTtlSeconds: 30,
          timeoutMs: 2_000,
          hash: (plaintext) => plaintext,
        });
        for (let index = 1; index <= 5; index++) await resolver.resolve(`unknown-${index}`);
        await resolver.resolve("known-0");
        await resolver.revoke("revoked-1");
        const pttl = async (key: string) =>
          Number(await redisCommand(redis.url, "PTTL", `${keyPrefix}${key}`));
        for (let index = 1; index <= 5; index++) {
          const remaining = await pttl(`unknown-${index}`);
          expect(remaining).toBeGreaterThan(0);
          expect(remaining).toBeLessThanOrEqual(2_000);
        }
        expect(await pttl("known-0")).toBeGreaterThan(2_000);
        expect(await pttl("revoked-1")).toBeGreaterThan(2_000);
      } finally {
        await backend.clear();
        await backend.close();
      }
    });

    it("a bad budget option is E_CONFIG naming it", () => {
      for (const [option, value] of [
        ["negativeMarkersPerSecond", -1],
        ["negativeMarkersPerSecond", 1.5],
        ["negativeTtlUnderPressureSeconds", Number.NaN],
        ["negativeTtlUnderPressureSeconds", -1],
      ] as const) {
        expect(() => driver.createBackend({ url: redis.url, [option]: value })).toThrow(
          expect.objectContaining({ code: "E_CONFIG", message: expect.stringContaining(option) }),
        );
      }
    });
  });
}

/** On a cluster every master is asked: one master with allkeys-lru is named in the warning. */
export function describeRedisClusterEvictionCheck(
  name: string,
  driver: RedisDriver,
  cluster: { readonly nodes: readonly { readonly url: string }[]; readonly seedUrl: string },
): void {
  describe(`${name}: maxmemory-policy check on a cluster`, () => {
    it("checks every master: allkeys-lru on the last one gives one warning naming 1 of 3 masters", async () => {
      const last = cluster.nodes[cluster.nodes.length - 1];
      if (last === undefined) throw new Error("the cluster has no nodes");
      await redisCommand(last.url, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
      const logger = recordingLogger();
      const backend = driver.createBackend({
        url: cluster.seedUrl,
        cluster: true,
        keyPrefix: redisTestPrefix("eviction"),
        logger,
      });
      try {
        await backend.get("k");
        const line = await lineMatching(logger, /maxmemory-policy/);
        expect(line).toMatch(
          new RegExp(`^warn: .*allkeys-lru on 1 of ${cluster.nodes.length} masters`),
        );
      } finally {
        await backend.close();
        await redisCommand(last.url, "CONFIG", "SET", "maxmemory-policy", "noeviction");
      }
    });
  });
}
