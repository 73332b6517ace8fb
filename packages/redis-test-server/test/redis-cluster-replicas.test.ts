import { describe, expect, it } from "vitest";
import { clusterInfo, redisCommand } from "../src/index.js";
import { useRedisCluster } from "../src/vitest/index.js";

/** `INFO replication` fields of one node. */
async function replication(node: { host: string; port: number }): Promise<Record<string, string>> {
  const raw = String(await redisCommand(node, "INFO", "replication"));
  return Object.fromEntries(
    raw
      .split("\r\n")
      .filter((line) => line.includes(":"))
      .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)]),
  );
}

describe("useRedisCluster({ replicas: 1 })", () => {
  const cluster = useRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 1_000 });

  it("starts 3 masters and 3 replicas, each replica synced with its own master", async () => {
    expect(cluster.nodes).toHaveLength(3);
    expect(cluster.replicas).toHaveLength(3);
    for (const replica of cluster.replicas) {
      const info = await replication(replica);
      const master = cluster.nodes[replica.masterIndex];
      expect(info.role).toBe("slave");
      expect(info.master_link_status).toBe("up");
      expect(Number(info.master_port)).toBe(master?.port);
      expect((await clusterInfo(replica)).cluster_known_nodes).toBe("6");
    }
    expect(await cluster.currentMasters()).toHaveLength(3);
  });

  it("a killed master is replaced by its replica, which then serves its slots", async () => {
    const victim = cluster.nodes[1];
    const heir = cluster.replicas.find((replica) => replica.masterIndex === 1);
    if (victim === undefined || heir === undefined) throw new Error("no second master");
    victim.kill();
    await cluster.waitUntilHealthy(20_000);
    expect((await replication(heir)).role).toBe("master");
    const masters = await cluster.currentMasters();
    expect(masters).toHaveLength(3);
    expect(masters.map((m) => m.port)).toContain(heir.port);
    expect(masters.map((m) => m.port)).not.toContain(victim.port);
  });
});
