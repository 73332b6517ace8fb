/**
 * The connection setup deadline of the driver's clients, against a real redis-server behind a
 * fault proxy: a setup (HELLO, CLIENT SETINFO) the server never answers is given up within the
 * call deadline, not node-redis's 3 s socket idle timeout, and connected again, spaced by the
 * reconnect strategy; once the link is healthy the client is ready soon after; once ready, the
 * socket's idle timeout is the usual one again (a silent idle connection is not dropped at the
 * call deadline).
 */
import { type ApiKeyCacheLogger, silentLogger } from "@apikey/core";
import { startTcpFaultProxy, type TcpFaultProxy } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { nodeRedisDriver, nodeRedisSocketTimeoutMs } from "../src/index.js";
import { nodeRedisConnectionSetupTimeoutMs } from "../src/node-redis-client-options.js";

const COMMAND_TIMEOUT_MS = 300;
const SETUP_TIMEOUT_MS = nodeRedisConnectionSetupTimeoutMs(COMMAND_TIMEOUT_MS);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const redis = useRedisServer();
let proxy: TcpFaultProxy | undefined;

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

function recordingLogger(): ApiKeyCacheLogger & { lines: string[] } {
  const lines: string[] = [];
  const record = (message: string) => lines.push(message);
  return { ...silentLogger, lines, warn: record, error: record };
}

describe("the driver's connection setup deadline", () => {
  it("is the call deadline, at least 250 ms, below the socket idle timeout", () => {
    expect(nodeRedisConnectionSetupTimeoutMs(50)).toBe(250);
    expect(nodeRedisConnectionSetupTimeoutMs(300)).toBe(300);
    expect(nodeRedisConnectionSetupTimeoutMs(1000)).toBe(1000);
    expect(nodeRedisConnectionSetupTimeoutMs(10_000)).toBeLessThan(
      nodeRedisSocketTimeoutMs(10_000),
    );
  });

  it("gives up a setup the server never answers within the call deadline, and connects once the link heals", async () => {
    const url = new URL(redis.url);
    const hung = await startTcpFaultProxy({
      target: { host: url.hostname, port: Number(url.port) },
    });
    proxy = hung;
    hung.setMode("half-open");
    const logger = recordingLogger();
    const backend = nodeRedisDriver.createBackend({
      url: `redis://127.0.0.1:${hung.port}`,
      keyPrefix: "handshake-deadline:",
      logger,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
    try {
      // Without the deadline the second connection would come after the 3 s idle timeout.
      const startedAt = performance.now();
      await expect
        .poll(() => hung.acceptedCount, { timeout: nodeRedisSocketTimeoutMs(COMMAND_TIMEOUT_MS) })
        .toBeGreaterThanOrEqual(2);
      expect(performance.now() - startedAt).toBeLessThan(
        nodeRedisSocketTimeoutMs(COMMAND_TIMEOUT_MS) - 1000,
      );
      await expect
        .poll(() => logger.lines.join("\n"), { timeout: 2000 })
        .toMatch(
          new RegExp(
            `did not answer the connection setup .* within ${SETUP_TIMEOUT_MS} ms of connecting`,
          ),
        );
      // Spaced: no more than one attempt per deadline (plus the reconnect delay).
      const acceptedAt = hung.acceptedCount;
      await sleep(1000);
      expect(hung.acceptedCount - acceptedAt).toBeLessThanOrEqual(1000 / SETUP_TIMEOUT_MS);

      hung.setMode("forward");
      const healthyAt = performance.now();
      const value = { apiKey: "ak_setup", active: true };
      await expect
        .poll(
          () =>
            backend.set("k", value, 60).then(
              () => true,
              () => false,
            ),
          { timeout: 3000, interval: 20 },
        )
        .toBe(true);
      expect(performance.now() - healthyAt).toBeLessThan(SETUP_TIMEOUT_MS + 1000);

      // Ready: an idle connection that goes silent is not dropped at the call deadline.
      const readyAccepted = hung.acceptedCount;
      hung.setMode("half-open");
      await sleep(2 * SETUP_TIMEOUT_MS + 1000);
      expect(hung.acceptedCount).toBe(readyAccepted);
    } finally {
      hung.setMode("forward");
      await backend.close();
    }
  });
});
