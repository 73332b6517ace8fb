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
import { runHalfOpenFault } from "./half-open-fault.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const COMMAND_TIMEOUT_MS = 250;

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
        const outcome = await runHalfOpenFault(proxy, () =>
          backend.get("k").then((got) => got !== undefined),
        );
        const { recoveryMs, failures } = outcome;
        console.info(`${name} half-open socket replaced; recovery ${Math.round(recoveryMs)} ms`);
        // Detection needs a missed deadline plus an unanswered probe (2 x 250 ms); the rest is
        // margin for a loaded machine. Without the watch, no call succeeds while traffic lasts.
        expect(recoveryMs).toBeLessThan(6_000);
        expect(outcome.reconnects).toBeGreaterThan(0);
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
        // Steady publishes, as revocations would send: every 10 ms.
        let i = 0;
        const { recoveryMs } = await runHalfOpenFault(proxy, () =>
          bus.publish({ op: "delete", key: `k${i++}` }).then(() => true),
        );
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
