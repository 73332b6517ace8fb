/**
 * A client trap the fault checks do not pin: a `set()` that missed its deadline while the
 * server was down must never reach the server once it is up (no offline queue replaying it,
 * no resend). The check waits on the client's own readiness, since any backend call made
 * meanwhile would prune the late waiter.
 */
import {
  type ApiKeyCacheBackend,
  isApiKeyCacheError,
  type RedisDriver,
  silentLogger,
} from "@apikey/core";
import { findFreePort, startRedisServer } from "@apikey/redis-test-server";
import { describe, expect, it } from "vitest";
import { redisTestPrefix } from "./redis-test-prefix.js";

const VALUE = { apiKey: "ak_f", active: true };

/** Register the missed-write check of `driver`; `isReady` reads the backend's client. */
export function describeRedisMissedWrite(
  name: string,
  driver: RedisDriver,
  isReady: (backend: ApiKeyCacheBackend) => boolean,
): void {
  describe(`${name}: a write that missed its deadline`, () => {
    it("a set() that missed its deadline while the server was down is never sent after it comes up", async () => {
      const port = await findFreePort();
      const backend = driver.createBackend({
        url: `redis://127.0.0.1:${port}`,
        keyPrefix: redisTestPrefix("missed"),
        logger: silentLogger,
        commandTimeoutMs: 200,
      });
      try {
        const error = await backend
          .set("k", { apiKey: "stale", active: true }, 60)
          .catch((caught: unknown) => caught);
        expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE")).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const server = await startRedisServer({ port });
        try {
          await expect.poll(() => isReady(backend), { timeout: 15_000, interval: 50 }).toBe(true);
          // Let anything released by the reconnect reach the server before looking.
          expect(await backend.setIfAbsent("marker", VALUE, 60)).toBe(true);
          expect(await backend.get("k")).toBeUndefined();
          await backend.close();
        } finally {
          await server.stop();
        }
      } finally {
        await backend.close();
      }
    });
  });
}
