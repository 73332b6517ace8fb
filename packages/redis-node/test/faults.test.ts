import { type ApiKeyCacheBackend, isApiKeyCacheError, silentLogger } from "@apikey/core";
import { findFreePort, startRedisServer } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { afterAll, describe, expect, it } from "vitest";
import { type NodeRedisApiKeyCacheBackend, nodeRedisDriver } from "../src/index.js";
import { randomPrefix } from "./test-clients.js";

const TIMEOUT_MS = 300;
const BOUND_MS = TIMEOUT_MS + 1000;
const redis = useRedisServer({ spawn: true });
const open: ApiKeyCacheBackend[] = [];

afterAll(async () => {
  await Promise.all(open.map((backend) => backend.close()));
});

function driverBackend(url: string): NodeRedisApiKeyCacheBackend {
  const backend = nodeRedisDriver.createBackend({
    url,
    keyPrefix: randomPrefix("f"),
    logger: silentLogger,
    commandTimeoutMs: TIMEOUT_MS,
  }) as NodeRedisApiKeyCacheBackend;
  open.push(backend);
  return backend;
}

const value = { apiKey: "ak_f", active: true };
const operations: Array<[string, (b: ApiKeyCacheBackend) => Promise<unknown>]> = [
  ["get", (b) => b.get("k")],
  ["set", (b) => b.set("k", value, 60)],
  ["setIfAbsent", (b) => b.setIfAbsent("k2", value, 60)],
  ["setIfAbsentGet", (b) => b.setIfAbsentGet?.("k3", value, 60) ?? Promise.resolve()],
  ["delete", (b) => b.delete("k")],
  ["clear", (b) => b.clear()],
];

/** Run every operation at once; each must reject E_BACKEND_UNAVAILABLE within the bound. */
async function expectAllUnavailable(backend: ApiKeyCacheBackend): Promise<void> {
  const outcomes = await Promise.all(
    operations.map(async ([name, run]) => {
      const started = performance.now();
      const error = await run(backend).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      return { name, error, elapsed: performance.now() - started };
    }),
  );
  for (const { name, error, elapsed } of outcomes) {
    expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE"), `${name}: ${String(error)}`).toBe(
      true,
    );
    expect(elapsed, name).toBeLessThan(BOUND_MS);
  }
}

/** Poll until a round trip works again (the same backend, never recreated). */
async function expectRecovers(backend: ApiKeyCacheBackend): Promise<void> {
  await expect
    .poll(
      () =>
        backend.set("back", value, 60).then(
          () => true,
          () => false,
        ),
      { timeout: 15_000, interval: 100 },
    )
    .toBe(true);
  expect(await backend.get("back")).toEqual(value);
}

describe("faults on a spawned server", () => {
  it("killed: every operation settles with E_BACKEND_UNAVAILABLE in time; works after restart()", async () => {
    const backend = driverBackend(redis.url);
    await backend.set("k", value, 60);
    await redis.kill();
    await expectAllUnavailable(backend);
    await expectAllUnavailable(backend);
    await redis.restart();
    await expectRecovers(backend);
  });

  it("paused (SIGSTOP): every operation settles with E_BACKEND_UNAVAILABLE in time; works after resume()", async () => {
    const backend = driverBackend(redis.url);
    await backend.set("k", value, 60);
    redis.pause();
    try {
      await expectAllUnavailable(backend);
    } finally {
      redis.resume();
    }
    await expectRecovers(backend);
  });

  it("a driver backend created while the server is down settles in time, then works once it is up", async () => {
    const port = await findFreePort();
    const url = `redis://127.0.0.1:${port}`;
    // Construction is synchronous: it returns before any connection exists.
    const backend = driverBackend(url);
    expect(backend.client.isReady).toBe(false);
    await expectAllUnavailable(backend);
    const server = await startRedisServer({ port });
    try {
      await expectRecovers(backend);
      await backend.close();
      await expect(backend.get("k")).rejects.toMatchObject({ code: "E_CLOSED" });
    } finally {
      await server.stop();
    }
  });

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

  it("a driver bus reports disconnected() while the server is paused and ready() after resume()", async () => {
    const bus = nodeRedisDriver.createInvalidationBus({
      url: redis.url,
      channel: `${randomPrefix("f")}__invalidate`,
      logger: silentLogger,
      commandTimeoutMs: TIMEOUT_MS,
    });
    const events: string[] = [];
    await bus.subscribe({
      message: () => {},
      ready: () => events.push("ready"),
      disconnected: () => events.push("disconnected"),
    });
    expect(events).toEqual(["ready"]);
    redis.pause();
    try {
      await expect.poll(() => events.at(-1), { timeout: 5000 }).toBe("disconnected");
      const started = performance.now();
      const error = await bus.publish({ op: "clear" }).catch((caught: unknown) => caught);
      expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE")).toBe(true);
      expect(performance.now() - started).toBeLessThan(BOUND_MS);
    } finally {
      redis.resume();
    }
    await expect.poll(() => events.at(-1), { timeout: 15_000 }).toBe("ready");
    await bus.close();
  });
});
