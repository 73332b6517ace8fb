/**
 * The hung-socket defect behind Sentinel: the connection to the master goes half-open under
 * steady traffic. The sentinels monitor the master through a `startTcpFaultProxy`
 * (`masterProxy: true`), so the client connects through it too; `downAfterMs` is long, so
 * the sentinels (whose own links reconnect after half of it) fail nothing over. The engine's
 * watch has the adapter replace the master connection: calls succeed again soon after. Real
 * servers, real proxy; run for each driver by `describeRedisDriverConformance`.
 */
import { isApiKeyCacheError, type RedisDriver, silentLogger } from "@apikey/core";
import { type RedisSentinelGroupHandle, startRedisSentinelGroup } from "@apikey/redis-test-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHalfOpenFault } from "./half-open-fault.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const COMMAND_TIMEOUT_MS = 250;
/**
 * Nominal: the missed deadline (250 ms), the PING (125 ms), asking the sentinel for the
 * master and connecting (tens of ms on loopback): about 0.5 s. The cap adds margin for a
 * loaded machine, as for a standalone client.
 */
const RECOVERY_CAP_MS = 6_000;

/** Register the half-open Sentinel master check for `driver` (a group of its own). */
export function describeRedisUnresponsiveSentinelMaster(name: string, driver: RedisDriver): void {
  describe(`${name}: a half-open socket to the Sentinel master under steady traffic`, () => {
    let group: RedisSentinelGroupHandle;

    beforeAll(async () => {
      group = await startRedisSentinelGroup({ masterProxy: true, downAfterMs: 20_000 });
    }, 30_000);

    afterAll(async () => {
      await group?.stop();
    });

    it("is replaced, and calls succeed again soon after the link works", async () => {
      const proxy = group.masterProxy;
      if (proxy === undefined) throw new Error("the group has no master proxy");
      const backend = driver.createBackend({
        url: group.url,
        keyPrefix: redisTestPrefix("hung-sentinel"),
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
            { timeout: 10_000, interval: 50 },
          )
          .toBe(true);
        const outcome = await runHalfOpenFault(proxy, () =>
          backend.get("k").then((got) => got !== undefined),
        );
        console.info(
          `${name} half-open Sentinel master replaced; recovery ${Math.round(outcome.recoveryMs)} ms`,
        );
        expect(outcome.recoveryMs).toBeLessThan(RECOVERY_CAP_MS);
        expect(outcome.reconnects).toBeGreaterThan(0);
        expect(outcome.failures.length).toBeGreaterThan(0);
        for (const failure of outcome.failures) {
          expect(isApiKeyCacheError(failure, "E_BACKEND_UNAVAILABLE")).toBe(true);
        }
        // The same master still: the fault was the link, not a failover.
        expect((await group.currentMaster()).port).toBe(proxy.port);
      } finally {
        await backend.close();
      }
    });
  });
}
