/**
 * The database index of a URL, on a real server, for one driver: `redis://host:port/3` reads
 * and writes database 3 and selects it again after every reconnect; an index the server
 * refuses (`/99` of the default 16) fails every call within its deadline with an error naming
 * the index, and nothing is written to database 0; a database index on a cluster URL is
 * `E_CONFIG` at construction.
 */
import { type ApiKeyCacheBackend, isApiKeyCacheError, type RedisDriver } from "@apikey/core";
import { killRedisClients, redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { recordingLogger } from "./recording-logger.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const TIMEOUT_MS = 500;
/** The deadline plus a generous margin for a loaded machine. */
const BOUND_MS = TIMEOUT_MS + 1500;
const record = { apiKey: "sk_db", active: true };

/** Register the database index checks for `driver`. */
export function describeRedisDatabaseIndex(name: string, driver: RedisDriver): void {
  describe(`${name}: the database index of the URL`, () => {
    const redis = useRedisServer({ spawn: true });
    const open: ApiKeyCacheBackend[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((backend) => backend.close()));
    });
    const backendOn = (
      url: string,
      keyPrefix: string,
      logger = recordingLogger(),
    ): ApiKeyCacheBackend => {
      const backend = driver.createBackend({
        url,
        keyPrefix,
        logger,
        commandTimeoutMs: TIMEOUT_MS,
      });
      open.push(backend);
      return backend;
    };

    it("/3 reads and writes database 3, also after its connection is killed", async () => {
      const prefix = redisTestPrefix("db3");
      const backend = backendOn(`${redis.url}/3`, prefix);
      await backend.set("a", record, 60);
      expect(await redisCommand(`${redis.url}/3`, "GET", `${prefix}a`)).toBe(
        JSON.stringify(record),
      );
      expect(await redisCommand(redis.url, "EXISTS", `${prefix}a`)).toBe(0);
      expect(await killRedisClients(redis.url, () => true)).toBeGreaterThan(0);
      // The client reconnects by itself; the first calls may still see the old socket drop.
      await expect
        .poll(
          async () =>
            backend.set("b", record, 60).then(
              () => true,
              () => false,
            ),
          { timeout: 10_000 },
        )
        .toBe(true);
      expect(await redisCommand(`${redis.url}/3`, "EXISTS", `${prefix}b`)).toBe(1);
      expect(await redisCommand(redis.url, "EXISTS", `${prefix}b`)).toBe(0);
      expect(await backend.get("a")).toEqual(record);
    });

    it("/99 (refused by the server) fails every call within its deadline naming the index, and writes nothing to db 0", async () => {
      const prefix = redisTestPrefix("db99");
      const logger = recordingLogger();
      const backend = backendOn(`${redis.url}/99`, prefix, logger);
      // Until the first connection attempt has been refused a call may only say "not connected".
      await expect
        .poll(
          async () => {
            const error = await backend.set("a", record, 60).then(
              () => undefined,
              (e: unknown) => e,
            );
            return isApiKeyCacheError(error)
              ? `${error.code} ${error.message}`
              : `no error: ${String(error)}`;
          },
          { timeout: 10_000 },
        )
        .toMatch(/^E_BACKEND_UNAVAILABLE .*database 99/);
      for (const call of [() => backend.get("a"), () => backend.set("a", record, 60)]) {
        const started = performance.now();
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(performance.now() - started).toBeLessThan(BOUND_MS);
        expect(error).toMatchObject({ code: "E_BACKEND_UNAVAILABLE" });
        expect((error as Error).message).toContain("database 99");
      }
      expect(await redisCommand(redis.url, "EXISTS", `${prefix}a`)).toBe(0);
      expect(logger.lines.join("\n")).toContain("database 99");
    });

    it("a database index on a cluster URL is E_CONFIG naming it", () => {
      let caught: unknown;
      try {
        driver.createBackend({ url: `${redis.url}/3`, cluster: true, keyPrefix: "x:" });
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: "E_CONFIG" });
      expect((caught as Error).message).toContain("database 3");
    });
  });
}
