/**
 * The connection setup deadline on a Sentinel client's master connection, against a real
 * master, replica and sentinel, the master reached through a fault proxy the sentinel monitors
 * (so it names the proxy's port as the master's): once the client was ready, its master
 * connection drops and node-redis reconnects over a link that is half-open; that setup
 * (HELLO, CLIENT SETINFO) is given up within the call deadline, not node-redis's 3 s socket
 * idle timeout, and the client is ready soon after the link heals. Built as `nodeRedisDriver`
 * builds it (`createNodeRedisSentinelClient`, then `boundNodeRedisSentinelConnectionSetup`).
 */
import { parseRedisUrl } from "@apikey/core/redis";
import { type RedisSentinelGroupHandle, startRedisSentinelGroup } from "@apikey/redis-test-server";
import { afterEach, describe, expect, it } from "vitest";
import { nodeRedisSocketTimeoutMs } from "../src/index.js";
import { nodeRedisConnectionSetupTimeoutMs } from "../src/node-redis-client-options.js";
import {
  boundNodeRedisSentinelConnectionSetup,
  createNodeRedisSentinelClient,
} from "../src/node-redis-sentinel-client.js";

const COMMAND_TIMEOUT_MS = 300;
const SETUP_TIMEOUT_MS = nodeRedisConnectionSetupTimeoutMs(COMMAND_TIMEOUT_MS);
const SOCKET_TIMEOUT_MS = nodeRedisSocketTimeoutMs(COMMAND_TIMEOUT_MS);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let group: RedisSentinelGroupHandle | undefined;
afterEach(async () => {
  await group?.stop();
  group = undefined;
});

describe("a Sentinel client's master connection setup deadline", () => {
  it("gives up a reconnect's setup the master never answers within the call deadline", async () => {
    // The sentinel's own links go through the proxy too: down-after far away, no failover.
    group = await startRedisSentinelGroup({ masterProxy: true, downAfterMs: 20_000 });
    const proxy = group.masterProxy;
    if (proxy === undefined) throw new Error("no master proxy");
    const endpoint = parseRedisUrl(group.url, "sentinel-handshake-deadline");
    if (endpoint.sentinel === undefined) throw new Error("not a redis+sentinel:// URL");
    const client = createNodeRedisSentinelClient(
      { endpoint: { ...endpoint, sentinel: endpoint.sentinel } },
      { commandTimeoutMs: COMMAND_TIMEOUT_MS },
    );
    const bounded = boundNodeRedisSentinelConnectionSetup(client, SETUP_TIMEOUT_MS);
    expect(bounded).toBe(true);
    const masterErrors: Array<{ at: number; message: string }> = [];
    // node-redis emits some Sentinel errors as strings ("obseve client error: ...").
    client.on("error", (error: unknown) => {
      if (error instanceof Error && error.message.startsWith("Master Client ("))
        masterErrors.push({ at: performance.now(), message: error.message });
    });
    try {
      await client.connect();
      expect(await client.sendCommand(["PING"])).toBe("PONG");
      expect(proxy.openCount).toBeGreaterThan(0);

      // The master connection drops; every new one through the proxy connects, then hangs.
      const droppedAt = performance.now();
      proxy.setMode("drop");
      proxy.setMode("half-open");
      await expect
        .poll(() => masterErrors.filter((e) => /timeout|did not answer/i.test(e.message)), {
          timeout: SOCKET_TIMEOUT_MS + 2000,
          interval: 20,
        })
        .not.toHaveLength(0);
      const givenUp = masterErrors.find((e) => /timeout|did not answer/i.test(e.message));
      const givenUpAfterMs = Math.round((givenUp?.at ?? 0) - droppedAt);
      console.info(`hung master setup given up ${givenUpAfterMs} ms after the drop`);
      expect(givenUp?.message).toMatch(
        new RegExp(
          `did not answer the connection setup .* within ${SETUP_TIMEOUT_MS} ms of connecting`,
        ),
      );
      // The reconnect delay (at most 500 ms) plus the deadline, well below the idle timeout.
      expect(givenUpAfterMs).toBeLessThan(SOCKET_TIMEOUT_MS - 1000);
      // Spaced: no more than one attempt per deadline (plus the reconnect delay).
      const setupErrorsAt = masterErrors.length;
      await sleep(1000);
      expect(masterErrors.length - setupErrorsAt).toBeLessThanOrEqual(1000 / SETUP_TIMEOUT_MS);
      // No secret in what was reported.
      for (const { message } of masterErrors) expect(message).not.toMatch(/password/i);

      proxy.setMode("forward");
      const healthyAt = performance.now();
      await expect
        .poll(
          () =>
            client.sendCommand(["PING"]).then(
              (reply) => reply === "PONG",
              () => false,
            ),
          { timeout: 3000, interval: 20 },
        )
        .toBe(true);
      const readyAfterMs = Math.round(performance.now() - healthyAt);
      console.info(`ready ${readyAfterMs} ms after the link healed`);
      expect(readyAfterMs).toBeLessThan(SETUP_TIMEOUT_MS + 1000);

      // Ready: an idle master connection that goes silent is not dropped at the call deadline.
      const readyErrors = masterErrors.length;
      proxy.setMode("half-open");
      await sleep(2 * SETUP_TIMEOUT_MS + 1000);
      expect(masterErrors.length).toBe(readyErrors);
    } finally {
      proxy.setMode("forward");
      client.destroy();
    }
  });

  it("leaves a client that is not a Sentinel client alone", () => {
    expect(boundNodeRedisSentinelConnectionSetup({}, SETUP_TIMEOUT_MS)).toBe(false);
  });
});
