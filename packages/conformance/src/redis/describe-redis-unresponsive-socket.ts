/**
 * The hung-socket defect: a connection that stays up but answers nothing (a half-open link)
 * must be replaced under steady traffic too. A client's own socket timeout may not help
 * (node-redis counts writes as activity, so under steady calls it never fires); the engine's
 * unresponsive-socket watch has the adapter replace the socket. Real server, real loopback
 * proxy (`startTcpFaultProxy`), no mocks; run for each driver by
 * `describeRedisDriverConformance`.
 */
import { isApiKeyCacheError, type RedisDriver, silentLogger } from "@apikey/core";
import {
  type RedisServerHandle,
  startRedisServer,
  startTcpFaultProxy,
  type TcpFaultProxy,
} from "@apikey/redis-test-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisTestPrefix } from "./redis-test-prefix.js";

const COMMAND_TIMEOUT_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Register the half-open socket checks (backend and bus publisher) for `driver`. */
export function describeRedisUnresponsiveSocket(name: string, driver: RedisDriver): void {
  describe(`${name}: a half-open socket under steady traffic`, () => {
    let server: RedisServerHandle;
    let proxy: TcpFaultProxy;

    beforeAll(async () => {
      server = await startRedisServer();
      proxy = await startTcpFaultProxy({ target: { host: server.host, port: server.port } });
    });

    afterAll(async () => {
      await proxy?.close();
      await server?.stop();
    });

    it("is replaced, and calls succeed again soon after the link works", async () => {
      const backend = driver.createBackend({
        url: proxy.url,
        keyPrefix: redisTestPrefix("hung"),
        logger: silentLogger,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
      });
      try {
        const value = { apiKey: "ak_hung", active: true };
        await expect
          .poll(
            () =>
              backend.set("k", value, 60).then(
                () => true,
                () => false,
              ),
            {
              timeout: 10_000,
              interval: 50,
            },
          )
          .toBe(true);
        const acceptedBefore = proxy.acceptedCount;
        const failures: unknown[] = [];
        let firstSuccessAfterHang: number | undefined;
        let hungAt = Number.POSITIVE_INFINITY;
        let running = true;
        // Steady traffic: a call every 10 ms, never idle long enough for a socket idle timeout.
        const traffic = (async () => {
          for (let i = 0; running && i < 5_000; i++) {
            backend.get("k").then(
              (got) => {
                const now = performance.now();
                if (got !== undefined && now > hungAt && firstSuccessAfterHang === undefined) {
                  firstSuccessAfterHang = now;
                }
              },
              (error: unknown) => failures.push(error),
            );
            await sleep(10);
          }
        })();
        await sleep(200);
        hungAt = performance.now();
        proxy.setMode("half-open");
        await sleep(300);
        proxy.setMode("forward"); // new connections work; the hung one stays silent
        await expect
          .poll(() => firstSuccessAfterHang, { timeout: 15_000, interval: 20 })
          .toBeDefined();
        running = false;
        await traffic;
        const recoveryMs = (firstSuccessAfterHang as number) - hungAt;
        console.info(`${name} half-open socket replaced; recovery ${Math.round(recoveryMs)} ms`);
        // Detection needs a missed deadline plus an unanswered probe (2 x 250 ms); the rest is
        // margin for a loaded machine. Without the watch, no call succeeds while traffic lasts.
        expect(recoveryMs).toBeLessThan(6_000);
        expect(proxy.acceptedCount).toBeGreaterThan(acceptedBefore);
        expect(failures.length).toBeGreaterThan(0);
        for (const failure of failures) {
          expect(isApiKeyCacheError(failure, "E_BACKEND_UNAVAILABLE")).toBe(true);
        }
      } finally {
        await backend.close();
      }
    });

    it("the bus's publishing connection is replaced too", async () => {
      const bus = driver.createInvalidationBus({
        url: proxy.url,
        channel: `hung-bus-${Math.random().toString(36).slice(2)}`,
        logger: silentLogger,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
      });
      try {
        await expect
          .poll(
            () =>
              bus.publish({ op: "delete", key: "k" }).then(
                () => true,
                () => false,
              ),
            { timeout: 10_000, interval: 50 },
          )
          .toBe(true);
        let firstSuccessAfterHang: number | undefined;
        let hungAt = Number.POSITIVE_INFINITY;
        let running = true;
        // Steady publishes, as revocations would send: every 10 ms.
        const traffic = (async () => {
          for (let i = 0; running && i < 5_000; i++) {
            bus.publish({ op: "delete", key: `k${i}` }).then(
              () => {
                const now = performance.now();
                if (now > hungAt && firstSuccessAfterHang === undefined)
                  firstSuccessAfterHang = now;
              },
              () => {},
            );
            await sleep(10);
          }
        })();
        await sleep(200);
        hungAt = performance.now();
        proxy.setMode("half-open");
        await sleep(300);
        proxy.setMode("forward");
        await expect
          .poll(() => firstSuccessAfterHang, { timeout: 15_000, interval: 20 })
          .toBeDefined();
        running = false;
        await traffic;
        const recoveryMs = (firstSuccessAfterHang as number) - hungAt;
        console.info(
          `${name} bus publisher half-open socket replaced; recovery ${Math.round(recoveryMs)} ms`,
        );
        expect(recoveryMs).toBeLessThan(6_000);
      } finally {
        await bus.close();
      }
    });
  });
}
