/**
 * A node-redis trap the shared fault checks (conformance.test.ts) do not pin: a set() that
 * missed its deadline while the server was down must never reach the server once it is up
 * (no offline queue replaying it), read off the client's own readiness.
 */
import { type ApiKeyCacheBackend, isApiKeyCacheError, silentLogger } from "@apikey/core";
import { findFreePort, startRedisServer } from "@apikey/redis-test-server";
import { afterAll, describe, expect, it } from "vitest";
import { type NodeRedisApiKeyCacheBackend, nodeRedisDriver } from "../src/index.js";
import { randomPrefix } from "./test-clients.js";

const open: ApiKeyCacheBackend[] = [];
const value = { apiKey: "ak_f", active: true };

afterAll(async () => {
  await Promise.all(open.map((backend) => backend.close()));
});

describe("a write that missed its deadline", () => {
  it("a set() that missed its deadline while the server was down is never sent after it comes up", async () => {
    const port = await findFreePort();
    const backend = nodeRedisDriver.createBackend({
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: randomPrefix("f"),
      logger: silentLogger,
      commandTimeoutMs: 200,
    }) as NodeRedisApiKeyCacheBackend;
    open.push(backend);
    const error = await backend
      .set("k", { apiKey: "stale", active: true }, 60)
      .catch((caught: unknown) => caught);
    expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE")).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const server = await startRedisServer({ port });
    try {
      // Wait on the client itself: any backend call made meanwhile would prune the late waiter.
      await expect.poll(() => backend.client.isReady, { timeout: 15_000, interval: 50 }).toBe(true);
      // Let anything released by the reconnect reach the server before looking.
      expect(await backend.setIfAbsent("marker", value, 60)).toBe(true);
      expect(await backend.get("k")).toBeUndefined();
      await backend.close();
    } finally {
      await server.stop();
    }
  });
});
