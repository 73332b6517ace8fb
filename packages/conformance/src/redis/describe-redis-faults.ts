/**
 * Real faults under a driver's backend and bus, on a server the checks spawned: killed
 * (connection refused), paused with SIGSTOP (the socket stays open, nothing answers), down
 * from the start. Every call settles with E_BACKEND_UNAVAILABLE within its deadline plus a
 * generous second, and the same instance recovers on its own: no call hangs, none is retried
 * into a tight loop, nothing has to be rebuilt.
 */
import {
  type ApiKeyCacheBackend,
  type InvalidationBus,
  invalidationChannel,
  isApiKeyCacheError,
  type RedisDriver,
  silentLogger,
} from "@apikey/core";
import { findFreePort, type RedisServerHandle, startRedisServer } from "@apikey/redis-test-server";
import { afterEach, describe, expect, it } from "vitest";
import { BusRecorder } from "../bus/bus-recorder.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const VALUE = { apiKey: "ak_fault", active: true };
/** Longest a reconnect may take once the server is back, on a loaded machine. */
const RECOVERY_MS = 15_000;

type Operation = [name: string, call: (backend: ApiKeyCacheBackend) => Promise<unknown>];

/** Every call of the protocol the backend has. */
function operationsOf(backend: ApiKeyCacheBackend): Operation[] {
  const operations: Operation[] = [
    ["get", (b) => b.get("k")],
    ["set", (b) => b.set("k", VALUE, 60)],
    ["setIfAbsent", (b) => b.setIfAbsent("k2", VALUE, 60)],
    ["delete", (b) => b.delete("k")],
    ["clear", (b) => b.clear()],
  ];
  if (backend.getWithTtl !== undefined) {
    operations.push(["getWithTtl", (b) => b.getWithTtl?.("k") ?? Promise.resolve()]);
  }
  if (backend.setIfAbsentGet !== undefined) {
    operations.push([
      "setIfAbsentGet",
      (b) => b.setIfAbsentGet?.("k3", VALUE, 60) ?? Promise.resolve(),
    ]);
  }
  return operations;
}

async function settled(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await call().then(
    () => undefined,
    (caught: unknown) => caught ?? new Error("rejected with nothing"),
  );
  return { error, ms: performance.now() - started };
}

/** Every call at once: each must reject E_BACKEND_UNAVAILABLE within `boundMs`. */
async function expectEveryCallUnavailable(
  backend: ApiKeyCacheBackend,
  boundMs: number,
): Promise<void> {
  const operations = operationsOf(backend);
  const outcomes = await Promise.all(operations.map(([, call]) => settled(() => call(backend))));
  for (const [index, { error, ms }] of outcomes.entries()) {
    const name = operations[index]?.[0];
    expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE"), `${name}: ${String(error)}`).toBe(
      true,
    );
    expect(ms, `${name} settled after ${Math.round(ms)} ms`).toBeLessThan(boundMs);
  }
}

/** Poll until a round trip works again on the same backend, then check it fully. */
async function expectRecovery(backend: ApiKeyCacheBackend): Promise<void> {
  await expect
    .poll(
      () =>
        backend.set("back", VALUE, 60).then(
          () => true,
          () => false,
        ),
      { timeout: RECOVERY_MS, interval: 100 },
    )
    .toBe(true);
  expect(await backend.get("back")).toEqual(VALUE);
  expect(await backend.setIfAbsent("back", VALUE, 60)).toBe(false);
  await backend.delete("back");
  await backend.clear();
}

/** Publish until it works again (the publisher reconnects too). */
async function publishWhenBack(bus: InvalidationBus, key: string): Promise<void> {
  await expect
    .poll(
      () =>
        bus.publish({ op: "delete", key }).then(
          () => true,
          () => false,
        ),
      { timeout: RECOVERY_MS, interval: 100 },
    )
    .toBe(true);
}

/** Register the fault checks of `driver` on `redis`, a server the checks may kill and pause. */
export function describeRedisFaults(
  name: string,
  driver: RedisDriver,
  redis: RedisServerHandle,
  commandTimeoutMs: number,
): void {
  describe(`${name}: faults`, () => {
    const boundMs = commandTimeoutMs + 1_000;
    const open: Array<ApiKeyCacheBackend | InvalidationBus> = [];
    afterEach(async () => {
      // A failed check must not leave the server down for the next one.
      redis.resume();
      if (!redis.running) await redis.restart();
      await Promise.allSettled(open.splice(0).map((part) => part.close()));
    });
    const backendOn = (url: string): ApiKeyCacheBackend => {
      const backend = driver.createBackend({
        url,
        keyPrefix: redisTestPrefix("fault"),
        commandTimeoutMs,
        logger: silentLogger,
      });
      open.push(backend);
      return backend;
    };
    const busOn = (channel: string): InvalidationBus => {
      const bus = driver.createInvalidationBus({
        url: redis.url,
        channel,
        commandTimeoutMs,
        logger: silentLogger,
      });
      open.push(bus);
      return bus;
    };

    it("killed: every call fails with E_BACKEND_UNAVAILABLE within its deadline, then the same backend works after restart()", async () => {
      const backend = backendOn(redis.url);
      await backend.set("k", VALUE, 60);
      await redis.kill();
      try {
        await expectEveryCallUnavailable(backend, boundMs);
        // Still bounded while the client keeps reconnecting.
        await expectEveryCallUnavailable(backend, boundMs);
      } finally {
        await redis.restart();
      }
      await expectRecovery(backend);
    });

    it("paused (SIGSTOP): every call fails with E_BACKEND_UNAVAILABLE within its deadline, then the same backend works after resume()", async () => {
      const backend = backendOn(redis.url);
      await backend.set("k", VALUE, 60);
      redis.pause();
      try {
        await expectEveryCallUnavailable(backend, boundMs);
        await expectEveryCallUnavailable(backend, boundMs);
      } finally {
        redis.resume();
      }
      await expectRecovery(backend);
    });

    it("built while the server is down: construction does not block, every call settles in time, and it works once a server listens", async () => {
      const port = await findFreePort();
      const started = performance.now();
      const backend = backendOn(`redis://127.0.0.1:${port}`);
      expect(performance.now() - started).toBeLessThan(boundMs);
      await expectEveryCallUnavailable(backend, boundMs);
      const server = await startRedisServer({ port });
      try {
        await expectRecovery(backend);
        const closing = performance.now();
        await backend.close();
        expect(performance.now() - closing).toBeLessThan(boundMs);
        await expect(backend.get("k")).rejects.toMatchObject({ code: "E_CLOSED" });
      } finally {
        await server.stop();
      }
    });

    it("bus on a paused server: disconnected(), publish fails within its deadline; ready() and delivery after resume()", async () => {
      const channel = invalidationChannel(redisTestPrefix("fault"));
      const subscriber = busOn(channel);
      const publisher = busOn(channel);
      const recorder = new BusRecorder();
      await subscriber.subscribe(recorder);
      await recorder.waitFor((e) => e.type === "ready", "ready() after subscribe", 5_000);
      redis.pause();
      let lost: number;
      try {
        // Noticed by the subscriber's health pings (each bounded by the deadline).
        lost = await recorder.waitFor((e) => e.type === "disconnected", "disconnected()", 10_000);
        const { error, ms } = await settled(() => publisher.publish({ op: "clear" }));
        expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE"), String(error)).toBe(true);
        expect(ms).toBeLessThan(boundMs);
      } finally {
        redis.resume();
      }
      const back = await recorder.waitFor(
        (e) => e.type === "ready",
        "ready() again",
        RECOVERY_MS,
        lost,
      );
      const key = `after-resume-${Math.random()}`;
      await publishWhenBack(publisher, key);
      await recorder.waitForMessage((m) => m.key === key, "delivery after resume", 5_000, back);
    });

    it("bus on a killed server: publish fails within its deadline, and works again after restart()", async () => {
      const channel = invalidationChannel(redisTestPrefix("fault"));
      const publisher = busOn(channel);
      await publisher.publish({ op: "clear" });
      await redis.kill();
      try {
        const { error, ms } = await settled(() => publisher.publish({ op: "clear" }));
        expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE"), String(error)).toBe(true);
        expect(ms).toBeLessThan(boundMs);
      } finally {
        await redis.restart();
      }
      await publishWhenBack(publisher, "after-restart");
    });
  });
}
