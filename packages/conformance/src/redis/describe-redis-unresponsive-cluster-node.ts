/**
 * The hung-socket defect on a Redis Cluster: one master's connection goes half-open under
 * steady traffic. The client connects where the slot map says, so that master announces the
 * port of a `startTcpFaultProxy` in front of it (`announcePort`); the cluster bus stays
 * direct, so the cluster itself sees no fault and fails nothing over. The engine's watch
 * PINGs every master after a missed deadline and has the adapter replace the silent one's
 * socket only: calls to its slots succeed again soon after the link heals (a socket replaced
 * while it was still silent hangs too, and must not be waited on for long), and calls to the
 * other masters' slots go on succeeding through the fault. Real servers, real proxy; run for each driver by
 * `describeRedisDriverConformance`.
 */
import { isApiKeyCacheError, type RedisDriver, silentLogger } from "@apikey/core";
import { clusterKeySlot } from "@apikey/core/redis";
import { splitSlots, startTcpFaultProxy, type TcpFaultProxy } from "@apikey/redis-test-server";
import { useRedisCluster } from "@apikey/redis-test-server/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHalfOpenFault } from "./half-open-fault.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const COMMAND_TIMEOUT_MS = 250;
/**
 * From the switch to half-open: the half-open time (1 s), then the link healed. The cap is
 * that plus generous margin for a loaded machine; the bound that matters is the one below.
 */
const RECOVERY_CAP_MS = 6_000;
/**
 * Half-open long enough (the replacement comes after about 0.4 s) that the master's socket is
 * replaced while the link is still silent: the new socket connects (the proxy accepts) and
 * then hangs in the client's connection setup (HELLO...). Once the link is healthy, that setup
 * must be given up within about the call deadline and the node connected again: nominally the
 * deadline plus the node's reconnect delay (at most 0.5 s), well within the reliability
 * suite's recovery goal. node-redis, which bounded the setup only by its 3 s socket idle
 * timeout, took 2.5 s here.
 */
const HALF_OPEN_MS = 1_000;
/** The reliability suite's goal: recovery within 2 s of Redis being reachable again. */
const RECOVERY_AFTER_HEALTHY_CAP_MS = 2_000;
const VICTIM = 1;

/** A key of `prefix` whose slot master `index` of `splitSlots(3)` serves. */
function keyOnMaster(prefix: string, index: number): string {
  const [first, last] = splitSlots(3)[index] ?? [0, -1];
  for (let i = 0; i < 100_000; i++) {
    const slot = clusterKeySlot(`${prefix}k${i}`);
    if (slot >= first && slot <= last) return `k${i}`;
  }
  throw new Error(`no key on master ${index}`);
}

/** Register the half-open cluster node check for `driver` (a 3-master cluster of its own). */
export function describeRedisUnresponsiveClusterNode(name: string, driver: RedisDriver): void {
  describe(`${name}: a half-open socket to one cluster master under steady traffic`, () => {
    const cluster = useRedisCluster({ masters: 3 });
    let proxy: TcpFaultProxy;

    beforeAll(async () => {
      const victim = cluster.nodes[VICTIM];
      if (victim === undefined) throw new Error("no such master");
      proxy = await startTcpFaultProxy({ target: { host: victim.host, port: victim.port } });
      await cluster.announcePort(victim, proxy.port);
    });

    afterAll(async () => {
      await proxy?.close();
    });

    it("only that master's socket is replaced, and its slots answer again soon after the link heals", async () => {
      const keyPrefix = redisTestPrefix("hung-cluster");
      const backend = driver.createBackend({
        url: cluster.seedUrl,
        keyPrefix,
        cluster: true,
        logger: silentLogger,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
      });
      try {
        const victimKey = keyOnMaster(keyPrefix, VICTIM);
        const otherKey = keyOnMaster(keyPrefix, 0);
        const value = { apiKey: "ak_hung", active: true };
        const ready = () =>
          Promise.all([backend.set(victimKey, value, 60), backend.set(otherKey, value, 60)]).then(
            () => true,
            () => false,
          );
        await expect.poll(ready, { timeout: 10_000, interval: 50 }).toBe(true);
        expect(proxy.openCount, "the client reaches the victim through the proxy").toBeGreaterThan(
          0,
        );
        let otherSucceeded = 0;
        let otherFailed = 0;
        const outcome = await runHalfOpenFault(
          proxy,
          () => {
            backend.get(otherKey).then(
              (got) => {
                if (got !== undefined) otherSucceeded++;
              },
              () => otherFailed++,
            );
            return backend.get(victimKey).then((got) => got !== undefined);
          },
          HALF_OPEN_MS,
        );
        console.info(
          `${name} half-open cluster master replaced; recovery ${Math.round(outcome.recoveryMs)} ms ` +
            `(${Math.round(outcome.recoveryAfterHealthyMs)} ms after the proxy was healthy again); ` +
            `other master: ${otherSucceeded} hits, ${otherFailed} failures`,
        );
        expect(outcome.recoveryMs).toBeLessThan(RECOVERY_CAP_MS);
        expect(outcome.recoveryAfterHealthyMs).toBeLessThan(RECOVERY_AFTER_HEALTHY_CAP_MS);
        expect(outcome.reconnects).toBeGreaterThan(0);
        expect(outcome.failures.length).toBeGreaterThan(0);
        for (const failure of outcome.failures) {
          expect(isApiKeyCacheError(failure, "E_BACKEND_UNAVAILABLE")).toBe(true);
        }
        // The other masters kept serving while the victim's socket was silent.
        expect(otherSucceeded).toBeGreaterThan(otherFailed);
      } finally {
        await backend.close();
      }
    });
  });
}
