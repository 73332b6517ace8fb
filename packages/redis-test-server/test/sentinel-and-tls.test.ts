/** The Sentinel group and TLS server helpers start real processes and clean up after themselves. */
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RedisSentinelGroupHandle,
  type RedisTlsServerHandle,
  redisCommand,
  startRedisSentinelGroup,
  startRedisTlsServer,
} from "../src/index.js";

describe("startRedisSentinelGroup()", () => {
  let group: RedisSentinelGroupHandle;
  beforeAll(async () => {
    group = await startRedisSentinelGroup({ downAfterMs: 500, failoverTimeoutMs: 2000 });
  }, 30_000);
  afterAll(() => group?.stop());

  it("names the master, replicates to the replica, and fails over when the master dies", async () => {
    expect(group.url).toBe(`redis+sentinel://127.0.0.1:${group.sentinels[0]?.port}/mymaster`);
    const master = await group.currentMaster();
    expect(master).toEqual({ host: "127.0.0.1", port: group.master.port });
    await redisCommand(group.master, "SET", "k", "v");
    const replica = group.replicas[0];
    if (replica === undefined) throw new Error("no replica");
    await expect.poll(() => redisCommand(replica, "GET", "k"), { timeout: 5000 }).toBe("v");
    await group.master.kill();
    const promoted = await group.waitForNewMaster(master, 15_000);
    expect(promoted.port).toBe(replica.port);
    expect(String(await redisCommand(replica, "ROLE"))).toMatch(/^master/);
  }, 30_000);

  it("refuses a bad sentinel count with E_CONFIG", async () => {
    await expect(startRedisSentinelGroup({ sentinels: 4 })).rejects.toMatchObject({
      code: "E_CONFIG",
    });
  });
});

describe("startRedisTlsServer()", () => {
  let tls: RedisTlsServerHandle;
  beforeAll(async () => {
    tls = await startRedisTlsServer({ requireClientCertificate: true });
  }, 30_000);
  afterAll(() => tls?.stop());

  const ping = (options: { cert?: string; key?: string }): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect({
        host: "127.0.0.1",
        port: tls.tlsPort,
        ca: tls.certificates.ca,
        servername: "localhost",
        ...options,
      });
      socket.setTimeout(3000, () => socket.destroy(new Error("timeout")));
      socket.once("secureConnect", () => socket.write("PING\r\n"));
      socket.once("data", (data) => {
        socket.end();
        resolve(data.toString("utf8").trim());
      });
      socket.once("error", reject);
      socket.once("close", () => reject(new Error("closed without a reply")));
    });

  it("answers over TLS with the client certificate the CA signed, and on its plain port", async () => {
    expect(tls.tlsUrl).toBe(`rediss://127.0.0.1:${tls.tlsPort}`);
    expect(await ping({ cert: tls.certificates.clientCert, key: tls.certificates.clientKey })).toBe(
      "+PONG",
    );
    expect(await redisCommand(tls.server, "PING")).toBe("PONG");
  });

  it("refuses a client without a certificate", async () => {
    await expect(ping({})).rejects.toThrow();
  });
});
