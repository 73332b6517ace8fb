import { isApiKeyCacheError } from "@apikey/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RedisServerHandle,
  RespConnection,
  startRedisServer,
  startTcpFaultProxy,
  type TcpFaultProxy,
} from "../src/index.js";

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

function connect(): Promise<RespConnection> {
  return RespConnection.open({ host: "127.0.0.1", port: proxy.port }, { timeoutMs: 2000 });
}

describe("startTcpFaultProxy", () => {
  it("forwards, with added latency when asked", async () => {
    proxy.setMode("forward");
    const connection = await connect();
    try {
      expect(await connection.command(["PING"])).toBe("PONG");
      proxy.setLatency(150);
      const startedAt = performance.now();
      expect(await connection.command(["PING"])).toBe("PONG");
      // Two hops of 150 ms each; the lower bound is all that is stable on a loaded machine.
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(290);
    } finally {
      proxy.setLatency(0);
      connection.close();
    }
  });

  it("drop closes open connections and refuses to forward on new ones", async () => {
    proxy.setMode("forward");
    const connection = await connect();
    expect(await connection.command(["PING"])).toBe("PONG");
    proxy.setMode("drop");
    await expect(connection.command(["PING"])).rejects.toThrow();
    connection.close();
    proxy.setMode("forward");
  });

  it("half-open keeps the connection up and answers nothing", async () => {
    proxy.setMode("forward");
    const connection = await connect();
    try {
      expect(await connection.command(["PING"])).toBe("PONG");
      proxy.setMode("half-open");
      const outcome = await Promise.race([
        connection.command(["PING"], { timeoutMs: 5000 }).then(
          () => "answered",
          () => "failed",
        ),
        new Promise((resolve) => setTimeout(() => resolve("silent"), 300)),
      ]);
      expect(outcome).toBe("silent");
      expect(proxy.openCount).toBeGreaterThanOrEqual(1);
      // Forwarding again heals new connections only: the hung one stays silent.
      proxy.setMode("forward");
      const fresh = await connect();
      expect(await fresh.command(["PING"])).toBe("PONG");
      fresh.close();
      const stillSilent = await Promise.race([
        connection.command(["PING"], { timeoutMs: 5000 }).then(
          () => "answered",
          () => "failed",
        ),
        new Promise((resolve) => setTimeout(() => resolve("silent"), 300)),
      ]);
      expect(stillSilent).toBe("silent");
    } finally {
      connection.close();
      proxy.setMode("forward");
    }
  });

  it("refuses a non-loopback target and a bad latency with E_CONFIG", async () => {
    const refused = await startTcpFaultProxy({ target: { host: "10.0.0.1", port: 6379 } }).catch(
      (error: unknown) => error,
    );
    expect(isApiKeyCacheError(refused, "E_CONFIG")).toBe(true);
    expect(() => proxy.setLatency(-1)).toThrow(/latencyMs/);
  });
});
