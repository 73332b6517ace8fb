/**
 * A batched read answered with a reply of the wrong shape: the server is started with
 * `rename-command MGET MGET_REAL` and `rename-command EXISTS MGET`, so the backend's `MGET`
 * runs `EXISTS` and gets an integer back instead of one entry per key. Every caller of the
 * batch must reject with E_BACKEND_UNAVAILABLE naming the reply (no uncaught exception, no
 * entry read from the wrong place), and a lone `GET` afterwards still works.
 */
import { isApiKeyCacheError, type RedisDriver, silentLogger } from "@apikey/core";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { describe, expect, it } from "vitest";
import { redisTestPrefix } from "./redis-test-prefix.js";

const MGET_ANSWERS_AN_INTEGER = ["rename-command MGET MGET_REAL", "rename-command EXISTS MGET"];

/** Register the malformed-reply check for `driver` under `describe(name)`. */
export function describeRedisMalformedBatchReply(name: string, driver: RedisDriver): void {
  describe(name, () => {
    const redis = useRedisServer({ spawn: true, config: MGET_ANSWERS_AN_INTEGER });

    it("fails every caller of a batch whose reply is not one entry per key, then reads on", async () => {
      const store = driver.createBackend({
        url: redis.url,
        keyPrefix: redisTestPrefix("malformed"),
        logger: silentLogger,
      });
      try {
        const record = { apiKey: "ak_malformed", active: true };
        await store.set("k0", record, 60);
        const uncaught: unknown[] = [];
        const onUncaught = (error: unknown): void => {
          uncaught.push(error);
        };
        process.on("uncaughtException", onUncaught);
        let results: PromiseSettledResult<unknown>[];
        try {
          // One tick, three keys: one batch, sent as MGET (EXISTS here).
          results = await Promise.allSettled(["k0", "k1", "k2"].map((key) => store.get(key)));
        } finally {
          process.off("uncaughtException", onUncaught);
        }
        expect(uncaught).toEqual([]);
        for (const result of results) {
          expect(result.status).toBe("rejected");
          const error = (result as PromiseRejectedResult).reason;
          expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE"), String(error)).toBe(true);
          const cause = (error as { cause?: unknown }).cause;
          expect(String((cause as Error | undefined)?.message)).toMatch(
            /unexpected reply to a batched read: expected an array of 3, got a number/,
          );
        }
        // A lone read is a GET, which the server still knows.
        expect(await store.get("k0")).toEqual(record);
      } finally {
        await store.clear().catch(() => {});
        await store.close();
      }
    });
  });
}
