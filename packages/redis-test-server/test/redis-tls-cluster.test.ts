/**
 * `startRedisCluster({ tls: true })`: every node speaks only TLS (its plain port closed), the
 * nodes meet and replicate over TLS, and the raw RESP helpers reach them with the cluster's CA.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clusterInfo,
  type RedisClusterHandle,
  RespConnection,
  redisCommand,
  redisCommandWithOptions,
  startRedisCluster,
} from "../src/index.js";

describe("startRedisCluster({ tls: true })", () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, replicas: 1, tls: true });
  }, 60_000);
  afterAll(() => cluster?.stop());

  it("starts healthy with rediss:// URLs, a replica synced over TLS, and no plain listener", async () => {
    expect(cluster.seedUrl).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster.urls.every((url) => url.startsWith("rediss://"))).toBe(true);
    const seed = cluster.nodes[0];
    const replica = cluster.replicas[0];
    if (seed === undefined || replica === undefined) throw new Error("missing nodes");
    expect((await clusterInfo(seed)).cluster_state).toBe("ok");
    const info = String(await redisCommand(replica, "INFO", "replication"));
    expect(info).toMatch(/master_link_status:up/);
    // CLUSTER SLOTS announces the TLS ports: a cluster client discovers TLS endpoints.
    const slots = (await redisCommand(seed, "CLUSTER", "SLOTS")) as unknown[][];
    const ports = slots.map((range) => Number((range[2] as unknown[])[1]));
    expect(new Set(ports)).toEqual(new Set(cluster.nodes.map((node) => node.port)));
    // A rediss:// URL works with the tls option; the port does not answer plain RESP.
    const certificates = cluster.certificates;
    if (certificates === undefined) throw new Error("no certificates");
    const pong = await redisCommandWithOptions(seed.url, ["PING"], {
      tls: { ca: certificates.ca, servername: "localhost" },
    });
    expect(pong).toBe("PONG");
    await expect(
      redisCommandWithOptions({ host: seed.host, port: seed.port }, ["PING"], { timeoutMs: 500 }),
    ).rejects.toThrow();
    expect(await currentMastersArePorts(cluster)).toBe(true);
  });

  it("refuses a rediss:// URL without the tls option, naming it", async () => {
    const seed = cluster.nodes[0];
    if (seed === undefined) throw new Error("missing nodes");
    await expect(RespConnection.open(seed.url)).rejects.toThrow(
      /rediss:\/\/ URL needs the tls option/,
    );
  });
});

async function currentMastersArePorts(cluster: RedisClusterHandle): Promise<boolean> {
  const masters = await cluster.currentMasters();
  const replies = await Promise.all(masters.map((master) => redisCommand(master, "PING")));
  return replies.every((reply) => reply === "PONG") && masters.length === 3;
}
