/**
 * Faults that are particular to ioredis (the driver's backend runs the shared fault checks in
 * conformance.test.ts): a caller's client with ioredis defaults (offline queue on) killed and
 * paused; calls made before the first connection, read off the client's status. (A write that
 * missed its deadline while the server was down, which ioredis would resend on reconnect, is
 * checked by `describeRedisDriverConformance` through `isBackendClientReady`.)
 */

import { type ApiKeyCacheBackend, isApiKeyCacheError, silentLogger } from "@apikey/core";
import { startRedisServer } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IoredisApiKeyCacheBackend, ioredisDriver } from "../src/index.js";
import { testPrefix } from "./support/test-prefix.js";

const COMMAND_TIMEOUT_MS = 300;
const BOUND_MS = COMMAND_TIMEOUT_MS + 1000;
const VALUE = { apiKey: "pub_1", active: true };

type Operation = [name: string, call: (backend: ApiKeyCacheBackend) => Promise<unknown>];
const OPERATIONS: Operation[] = [
  ["get", (b) => b.get("k")],
  ["set", (b) => b.set("k", VALUE, 60)],
  ["setIfAbsent", (b) => b.setIfAbsent("k2", VALUE, 60)],
  ["delete", (b) => b.delete("k")],
  ["clear", (b) => b.clear()],
];

/** Run every operation at once; each must reject E_BACKEND_UNAVAILABLE within the bound. */
async function expectEveryOperationUnavailable(backend: ApiKeyCacheBackend): Promise<void> {
  const outcomes = await Promise.all(
    OPERATIONS.map(async ([name, call]) => {
      const started = performance.now();
      const error = await call(backend).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      return { name, error, elapsedMs: performance.now() - started };
    }),
  );
  for (const { name, error, elapsedMs } of outcomes) {
    expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE"), `${name}: ${String(error)}`).toBe(
      true,
    );
    expect(elapsedMs, `${name} settled after ${Math.round(elapsedMs)} ms`).toBeLessThan(BOUND_MS);
  }
}

/** Retry until the backend answers again (the client reconnects with a capped backoff). */
async function expectRecovery(backend: ApiKeyCacheBackend): Promise<void> {
  const deadline = performance.now() + 15_000;
  for (;;) {
    try {
      await backend.set("k", VALUE, 60);
      break;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  expect(await backend.get("k")).toEqual(VALUE);
  expect(await backend.setIfAbsent("k", VALUE, 60)).toBe(false);
  await backend.delete("k");
  await backend.clear();
}

describe("a spawned server that fails", () => {
  const server = useRedisServer({ spawn: true });
  const backends: Array<[string, () => IoredisApiKeyCacheBackend]> = [
    [
      "caller client with ioredis defaults",
      () => {
        const client = new Redis(server.url);
        client.on("error", () => {}); // the caller's listener; refused reconnects are expected here
        return new IoredisApiKeyCacheBackend(client, {
          keyPrefix: testPrefix(),
          commandTimeoutMs: COMMAND_TIMEOUT_MS,
          logger: silentLogger,
          ownsClient: true,
        });
      },
    ],
  ];

  for (const [label, create] of backends) {
    describe(label, () => {
      let backend: IoredisApiKeyCacheBackend;
      beforeAll(async () => {
        backend = create();
        await backend.set("k", VALUE, 60);
      });
      afterAll(async () => {
        server.resume();
        await backend.close();
      });

      it("killed: every call fails within its deadline, then the same backend works after restart", async () => {
        await server.kill();
        try {
          await expectEveryOperationUnavailable(backend);
          // Still bounded while the client keeps reconnecting.
          await expectEveryOperationUnavailable(backend);
        } finally {
          await server.restart();
        }
        await expectRecovery(backend);
      });

      it("paused (SIGSTOP): every call fails within its deadline, then the same backend works after resume", async () => {
        server.pause();
        try {
          await expectEveryOperationUnavailable(backend);
          await expectEveryOperationUnavailable(backend);
        } finally {
          server.resume();
        }
        await expectRecovery(backend);
      });
    });
  }
});

describe("before the first connection", () => {
  it("calls made before the first connection wait for it within their deadline", async () => {
    const server = await startRedisServer();
    try {
      const backend = ioredisDriver.createBackend({
        url: server.url,
        keyPrefix: testPrefix(),
        commandTimeoutMs: 2000,
        logger: silentLogger,
      }) as IoredisApiKeyCacheBackend;
      expect(backend.client.status).not.toBe("ready");
      await backend.set("k", VALUE, 60);
      expect(await backend.get("k")).toEqual(VALUE);
      await backend.clear();
      await backend.close();
    } finally {
      await server.stop();
    }
  });
});
