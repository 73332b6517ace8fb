import { isApiKeyCacheError } from "@apikey/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CLUSTER_SLOT_COUNT,
  clusterInfo,
  killRedisClients,
  type RedisServerHandle,
  RespConnection,
  redisCommand,
  redisCommandWithOptions,
  startRedisServer,
} from "../src/index.js";
import { useRedisCluster, useRedisServer } from "../src/vitest/index.js";

describe("startRedisServer()", () => {
  const started: RedisServerHandle[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.stop()));
  });
  const start = async (): Promise<RedisServerHandle> => {
    const server = await startRedisServer();
    started.push(server);
    return server;
  };

  it("starts a server on a loopback port that answers PING", async () => {
    const server = await start();
    expect(server.host).toBe("127.0.0.1");
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(server.port).not.toBe(6379);
    expect(server.spawned).toBe(true);
    expect(await redisCommand(server.url, "PING")).toBe("PONG");
  });

  it("runs without persistence", async () => {
    const server = await start();
    expect(await redisCommand(server, "CONFIG", "GET", "save")).toEqual(["save", ""]);
    expect(await redisCommand(server, "CONFIG", "GET", "appendonly")).toEqual(["appendonly", "no"]);
  });

  it("pause() stops answering and resume() answers again", async () => {
    const server = await start();
    const connection = await RespConnection.open(server.url);
    try {
      expect(await connection.command(["PING"])).toBe("PONG");
      server.pause();
      await expect(connection.command(["PING"], { timeoutMs: 300 })).rejects.toThrow(
        /within 300 ms/,
      );
      server.resume();
      expect(await redisCommandWithOptions(server, ["PING"], { timeoutMs: 2_000 })).toBe("PONG");
    } finally {
      connection.close();
    }
  });

  it("kill() refuses connections and restart() answers again on the same port", async () => {
    const server = await start();
    await redisCommand(server, "SET", "k", "v");
    const port = server.port;
    await server.kill();
    expect(server.running).toBe(false);
    await expect(redisCommand(server, "PING")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await server.restart();
    expect(server.port).toBe(port);
    expect(server.running).toBe(true);
    expect(await redisCommand(server, "PING")).toBe("PONG");
    // No persistence: a restart starts empty.
    expect(await redisCommand(server, "GET", "k")).toBeNull();
  });

  it("restart() of a paused server brings back an answering one", async () => {
    const server = await start();
    server.pause();
    await server.restart();
    expect(await redisCommand(server, "PING")).toBe("PONG");
  });

  it("stop() is idempotent and leaves nothing listening", async () => {
    const server = await start();
    await server.stop();
    await server.stop();
    await expect(redisCommand(server, "PING")).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("killRedisClients() drops exactly the selected subscriber connection", async () => {
    const server = await start();
    const subscriber = await RespConnection.open(server);
    const bystander = await RespConnection.open(server);
    try {
      const pushed: unknown[] = [];
      subscriber.onPush((reply) => pushed.push(reply));
      expect(await subscriber.command(["SUBSCRIBE", "channel"])).toEqual([
        "subscribe",
        "channel",
        1,
      ]);
      await redisCommand(server, "PUBLISH", "channel", "hello");
      expect(await bystander.command(["PING"])).toBe("PONG");
      const killed = await killRedisClients(server, (client) => Number(client.sub) > 0);
      expect(killed).toBe(1);
      await expect(subscriber.command(["PING"])).rejects.toThrow();
      expect(subscriber.closed).toBe(true);
      expect(await bystander.command(["PING"])).toBe("PONG");
      expect(pushed).toEqual([["message", "channel", "hello"]]);
    } finally {
      subscriber.close();
      bystander.close();
    }
  });

  it("reports error replies as RedisReplyError", async () => {
    const server = await start();
    await expect(redisCommand(server, "NOSUCHCOMMAND")).rejects.toMatchObject({
      name: "RedisReplyError",
      message: expect.stringMatching(/unknown command/i),
    });
  });

  it("names the missing binary when REDIS_SERVER_BIN points nowhere", async () => {
    const previous = process.env.REDIS_SERVER_BIN;
    process.env.REDIS_SERVER_BIN = "/nonexistent/redis-server-missing";
    try {
      const error = await startRedisServer().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isApiKeyCacheError(error, "E_CONFIG")).toBe(true);
      expect((error as Error).message).toContain("/nonexistent/redis-server-missing");
      expect((error as Error).message).toContain("REDIS_SERVER_BIN");
    } finally {
      if (previous === undefined) delete process.env.REDIS_SERVER_BIN;
      else process.env.REDIS_SERVER_BIN = previous;
    }
  });

  it("names the binary when it is not on PATH", async () => {
    await expect(startRedisServer({ bin: "redis-server-not-installed" })).rejects.toThrow(
      /redis-server-not-installed/,
    );
  });
});

describe("useRedisServer()", () => {
  const redis = useRedisServer({ spawn: true });

  it("hands out a started server inside tests", async () => {
    expect(redis.spawned).toBe(true);
    expect(await redisCommand(redis.url, "PING")).toBe("PONG");
  });
});

describe("useRedisServer() with REDIS_URL", () => {
  // REDIS_URL names a throwaway server here, never the system one on 6379.
  const target = useRedisServer({ spawn: true });
  let previous: string | undefined;
  beforeAll(() => {
    previous = process.env.REDIS_URL;
    process.env.REDIS_URL = target.url;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = previous;
  });

  describe("without spawn", () => {
    const redis = useRedisServer();

    it("uses the server REDIS_URL names", async () => {
      expect(redis.spawned).toBe(false);
      expect(redis.url).toBe(target.url);
      expect(redis.port).toBe(target.port);
      expect(await redisCommand(redis.url, "PING")).toBe("PONG");
    });

    it("refuses fault injection with a clear E_CONFIG error", async () => {
      expect(() => redis.pause()).toThrow(/needs a redis-server the test spawned/);
      expect(() => redis.resume()).toThrow(/REDIS_URL/);
      await expect(redis.kill()).rejects.toMatchObject({ code: "E_CONFIG" });
      await expect(redis.restart()).rejects.toMatchObject({ code: "E_CONFIG" });
    });
  });

  describe("with spawn: true", () => {
    const redis = useRedisServer({ spawn: true });

    it("spawns its own server anyway", async () => {
      expect(redis.spawned).toBe(true);
      expect(redis.port).not.toBe(target.port);
      expect(await redisCommand(redis.url, "PING")).toBe("PONG");
    });
  });
});

describe("useRedisCluster()", () => {
  const cluster = useRedisCluster();

  it("starts 3 masters that all report cluster_state:ok", async () => {
    expect(cluster.nodes).toHaveLength(3);
    expect(cluster.seedUrl).toBe(cluster.nodes[0]?.url);
    for (const node of cluster.nodes) {
      const info = await clusterInfo(node);
      expect(info.cluster_state).toBe("ok");
      expect(info.cluster_known_nodes).toBe("3");
    }
  });

  it("covers every slot, 0..16383, exactly once", async () => {
    const slots = (await redisCommand(cluster.seedUrl, "CLUSTER", "SLOTS")) as Array<
      [number, number, ...unknown[]]
    >;
    const ranges = slots
      .map(([first, last]) => [first, last])
      .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
    let next = 0;
    for (const [first, last] of ranges) {
      expect(first).toBe(next);
      next = (last ?? -1) + 1;
    }
    expect(next).toBe(CLUSTER_SLOT_COUNT);
    expect(ranges).toHaveLength(3);
  });

  it("a restarted node rejoins with its slots (its nodes.conf survives in its temp dir)", async () => {
    const node = cluster.nodes[1];
    if (node === undefined) throw new Error("no second node");
    const before = await redisCommand(node, "CLUSTER", "MYID");
    await node.restart();
    expect(await redisCommand(node, "CLUSTER", "MYID")).toBe(before);
    await cluster.waitUntilHealthy(20_000);
  });

  it("routes keys: a node answers MOVED for a slot it does not serve", async () => {
    const replies = await Promise.allSettled(
      cluster.nodes.map((node) => redisCommand(node, "SET", "probe", "1")),
    );
    expect(replies.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const reply of replies) {
      if (reply.status === "rejected") expect(String(reply.reason)).toMatch(/MOVED/);
    }
  });
});
