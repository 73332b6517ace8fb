/**
 * The unresponsive-socket watch on a caller's own ioredis Cluster, built without a
 * `socketTimeout` (ioredis's default): nothing in ioredis then notices a master whose socket
 * went half-open while commands keep coming, so only the engine's watch (a PING to every
 * master after a missed deadline, then that master's socket dropped and the slot map
 * refreshed) recovers its slots. The master announces the port of a proxy in front of it, so
 * the client connects through the proxy; the cluster bus stays direct.
 */
import { runHalfOpenFault } from "@apikey/conformance/redis";
import { isApiKeyCacheError, silentLogger } from "@apikey/core";
import { clusterKeySlot } from "@apikey/core/redis";
import { splitSlots, startTcpFaultProxy, type TcpFaultProxy } from "@apikey/redis-test-server";
import { useRedisCluster } from "@apikey/redis-test-server/vitest";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IoredisApiKeyCacheBackend } from "../src/index.js";
import { testPrefix } from "./support/test-prefix.js";

const COMMAND_TIMEOUT_MS = 250;
/** Nominal about 0.7 s (deadline, masters PINGed, node reconnected); margin for a loaded machine. */
const RECOVERY_CAP_MS = 6_000;

describe("a caller's ioredis Cluster without a socket timeout: one master half-open", () => {
  const cluster = useRedisCluster({ masters: 3 });
  let proxy: TcpFaultProxy;

  beforeAll(async () => {
    const victim = cluster.nodes[1];
    if (victim === undefined) throw new Error("no such master");
    proxy = await startTcpFaultProxy({ target: { host: victim.host, port: victim.port } });
    await cluster.announcePort(victim, proxy.port);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it("the watch replaces that master's socket; its slots answer again", async () => {
    const client = new Cluster([...cluster.startupNodes], {
      enableOfflineQueue: false,
      redisOptions: { maxRetriesPerRequest: 1, autoResendUnfulfilledCommands: false },
    });
    client.on("error", () => {});
    const keyPrefix = testPrefix();
    const backend = new IoredisApiKeyCacheBackend(client, {
      keyPrefix,
      logger: silentLogger,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
    try {
      const [first, last] = splitSlots(3)[1] ?? [0, -1];
      let key = "";
      for (let i = 0; i < 100_000 && key === ""; i++) {
        const slot = clusterKeySlot(`${keyPrefix}k${i}`);
        if (slot >= first && slot <= last) key = `k${i}`;
      }
      const value = { apiKey: "ak_hung", active: true };
      await expect
        .poll(
          () =>
            backend.set(key, value, 60).then(
              () => true,
              () => false,
            ),
          { timeout: 10_000, interval: 50 },
        )
        .toBe(true);
      expect(proxy.openCount).toBeGreaterThan(0);
      const outcome = await runHalfOpenFault(proxy, () =>
        backend.get(key).then((got) => got !== undefined),
      );
      console.info(
        `caller's ioredis Cluster: half-open master replaced; recovery ${Math.round(outcome.recoveryMs)} ms`,
      );
      expect(outcome.recoveryMs).toBeLessThan(RECOVERY_CAP_MS);
      expect(outcome.reconnects).toBeGreaterThan(0);
      for (const failure of outcome.failures) {
        expect(isApiKeyCacheError(failure, "E_BACKEND_UNAVAILABLE")).toBe(true);
      }
    } finally {
      await backend.close();
      client.disconnect();
    }
  });
});
