/**
 * The watch a node-redis Sentinel client runs while its master is unreachable: on a real
 * failover (1 master, 1 replica, 1 sentinel) it rebuilds the client once, onto the promoted
 * master, instead of waiting for node-redis's rediscovery and its 1 s sleeps; while the master
 * stays down with no failover (down-after far away), it rebuilds nothing and asks the sentinel
 * on one connection, within its poll schedule. The reply parsing and the poll schedule are
 * checked on their own.
 */
import {
  type RedisSentinelGroupHandle,
  redisCommand,
  startRedisSentinelGroup,
} from "@apikey/redis-test-server";
import { createClient } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import {
  NODE_REDIS_SENTINEL_FAST_POLLS,
  NODE_REDIS_SENTINEL_MASTER_POLL_MS,
  type SentinelMasterAddress,
  SentinelMasterWatch,
  sentinelMasterPollDelay,
  usableMasterOf,
} from "../src/node-redis-sentinel-master-watch.js";
import { connectedSentinelClient } from "./support/sentinel-test-client.js";

let group: RedisSentinelGroupHandle | undefined;
afterEach(async () => {
  await group?.stop();
  group = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `INFO <section>` of a server as a field map. */
async function info(url: string, section: string): Promise<Map<string, string>> {
  const text = String(await redisCommand(url, "INFO", section));
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  return fields;
}

/** Commands and connections a sentinel has taken so far (`INFO stats`; sentinels keep no commandstats). */
async function sentinelLoad(url: string): Promise<{ commands: number; connections: number }> {
  const stats = await info(url, "stats");
  return {
    commands: Number(stats.get("total_commands_processed")),
    connections: Number(stats.get("total_connections_received")),
  };
}

describe("usableMasterOf", () => {
  const fields = ["name", "mymaster", "ip", "127.0.0.1", "port", "6380", "flags"];

  it("reads the address from a RESP2 array or a RESP3 map", () => {
    expect(usableMasterOf([...fields, "master"])).toEqual({ host: "127.0.0.1", port: 6380 });
    expect(usableMasterOf({ ip: "127.0.0.1", port: "6380", flags: "master" })).toEqual({
      host: "127.0.0.1",
      port: 6380,
    });
    expect(
      usableMasterOf(
        new Map([
          ["ip", "127.0.0.1"],
          ["port", "6380"],
          ["flags", "master"],
        ]),
      ),
    ).toEqual({ host: "127.0.0.1", port: 6380 });
  });

  it("refuses a master node-redis would refuse, and replies that are not a master", () => {
    for (const flags of [
      "master,disconnected",
      "s_down,master",
      "master,failover_in_progress",
      "s_down,o_down,master,disconnected,failover_in_progress",
    ]) {
      expect(usableMasterOf([...fields, flags])).toBeUndefined();
    }
    expect(usableMasterOf(null)).toBeUndefined();
    expect(usableMasterOf("ERR No such master with that name")).toBeUndefined();
    expect(usableMasterOf(["ip", "127.0.0.1", "port", "zero", "flags", "master"])).toBeUndefined();
  });
});

describe("sentinelMasterPollDelay", () => {
  it("polls at the short interval first, then doubles up to a cap", () => {
    expect(sentinelMasterPollDelay(1)).toBe(NODE_REDIS_SENTINEL_MASTER_POLL_MS);
    expect(sentinelMasterPollDelay(NODE_REDIS_SENTINEL_FAST_POLLS)).toBe(
      NODE_REDIS_SENTINEL_MASTER_POLL_MS,
    );
    const later = [1, 2, 3, 4, 5, 6, 50].map((n) =>
      sentinelMasterPollDelay(NODE_REDIS_SENTINEL_FAST_POLLS + n),
    );
    expect(later.slice(0, 4)).toEqual([200, 400, 800, 1600]);
    expect(later[4]).toBe(2000);
    expect(later[6]).toBe(2000);
    for (let i = 1; i < later.length; i++)
      expect(later[i]).toBeGreaterThanOrEqual(later[i - 1] as number);
  });
});

describe("the watch on a real Sentinel group", () => {
  it("reports the promoted master once, fed by a real master connection's errors", async () => {
    group = await startRedisSentinelGroup({ downAfterMs: 1_000 });
    const old = { host: group.master.host, port: group.master.port };
    let current: SentinelMasterAddress = old;
    const promoted: SentinelMasterAddress[] = [];
    const watch = new SentinelMasterWatch({
      masterName: group.masterName,
      sentinels: group.sentinels.map(({ host, port }) => ({ host, port })),
      sentinelClientOptions: { socket: { connectTimeout: 1_000 } },
      commandTimeoutMs: 250,
      currentMaster: () => current,
      // As the client does: the named master is the one it expects from now on.
      onPromoted: (master) => {
        promoted.push(master);
        current = master;
      },
    });
    const master = createClient({
      socket: { host: old.host, port: old.port, reconnectStrategy: () => 200 },
    });
    master.on("error", () => watch.masterErrored());
    await master.connect();
    try {
      await group.master.kill();
      for (let i = 0; i < 600 && promoted.length === 0; i++) await sleep(25);
      expect(promoted).toEqual([{ host: "127.0.0.1", port: group.replicas[0]?.port }]);
      // The errors go on (the old master stays dead): the watch polls on, reporting nothing new.
      await sleep(500);
      expect(watch.running).toBe(true);
      expect(promoted).toHaveLength(1);
    } finally {
      watch.close();
      master.destroy();
    }
  }, 30_000);

  it("after a failover, the client serves on the promoted master, rebuilt at most once", async () => {
    group = await startRedisSentinelGroup({ downAfterMs: 1_000 });
    const { client, events } = await connectedSentinelClient(group);
    try {
      const before = events.connect;
      const promoted = group.replicas[0];
      if (promoted === undefined) throw new Error("no replica");
      await group.master.kill();
      await group.waitForNewMaster(group.master, 20_000);
      // Until the client writes where the sentinel says (the promoted replica's port).
      let port: number | undefined;
      for (let i = 0; i < 200 && port !== promoted.port; i++) {
        const reply = await client.sendCommand(["INFO", "server"]).catch(() => undefined);
        const match = /^tcp_port:(\d+)/m.exec(String(reply ?? ""));
        port = match === null ? undefined : Number(match[1]);
        if (port !== promoted.port) await sleep(25);
      }
      expect(port).toBe(promoted.port);
      expect(await client.sendCommand(["SET", "sentinel-master-watch", "1"])).toBe("OK");
      // The watch's rebuild shows as one `connect` of a new node-redis client (none if
      // node-redis's own rediscovery happened to find the master first); never more.
      expect(events.connect - before).toBeLessThanOrEqual(1);
      const afterRecovery = events.connect;
      await sleep(300);
      expect(events.connect).toBe(afterRecovery);
    } finally {
      client.destroy();
    }
  }, 30_000);

  it("while the master stays down with no failover, rebuilds nothing and polls within its schedule", async () => {
    group = await startRedisSentinelGroup({ downAfterMs: 60_000 });
    const sentinel = group.sentinels[0];
    if (sentinel === undefined) throw new Error("no sentinel");
    const { client, events } = await connectedSentinelClient(group);
    try {
      const before = events.connect;
      const start = await sentinelLoad(sentinel.url);
      await group.master.kill();
      const watchedMs = 2_000;
      await sleep(watchedMs);
      const end = await sentinelLoad(sentinel.url);
      expect(events.connect).toBe(before);
      // The watch: at most one poll per interval, on one connection; node-redis's own
      // rediscovery: a new connection with a few commands about once a second; this test's
      // INFO: one connection, one command. All bounded, with a margin of two rediscoveries.
      const polls = watchedMs / NODE_REDIS_SENTINEL_MASTER_POLL_MS;
      const rediscoveries = watchedMs / 1_000 + 2;
      const commands = end.commands - start.commands;
      expect(commands).toBeGreaterThanOrEqual(polls / 2);
      expect(commands).toBeLessThanOrEqual(polls + 5 * rediscoveries + 1);
      expect(end.connections - start.connections).toBeLessThanOrEqual(1 + rediscoveries + 1);
    } finally {
      client.destroy();
    }
  }, 30_000);
});
