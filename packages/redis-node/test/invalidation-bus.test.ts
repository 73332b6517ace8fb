/**
 * What is particular to NodeRedisInvalidationBus (the driver's bus runs the shared suites in
 * conformance.test.ts): caller clients, kept open by close(), through a killed subscriber
 * connection; a SUBSCRIBE refused by ACL and retried; the checks on the clients it is given.
 */
import { invalidationChannel, silentLogger } from "@apikey/core";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { createClient } from "redis";
import { describe, expect, it } from "vitest";
import { NodeRedisInvalidationBus, nodeRedisDriver } from "../src/index.js";
import { connectedClient, randomPrefix } from "./test-clients.js";

const redis = useRedisServer();
describe("NodeRedisInvalidationBus with caller clients", () => {
  it("CLIENT KILL TYPE pubsub: disconnected(), then ready() and delivery again", async () => {
    const publisher = await connectedClient(redis.url);
    const subscriber = await connectedClient(redis.url);
    const ownChannel = invalidationChannel(randomPrefix("bus"));
    const bus = new NodeRedisInvalidationBus({
      publisher,
      subscriber,
      channel: ownChannel,
      logger: silentLogger,
    });
    const other = nodeRedisDriver.createInvalidationBus({
      url: redis.url,
      channel: ownChannel,
      logger: silentLogger,
    });
    const events: string[] = [];
    const seen = new Promise<void>((resolve) => {
      void bus.subscribe({
        message: (m) => {
          events.push(`${m.op}:${m.key ?? ""}`);
          if (m.key === "after") resolve();
        },
        ready: () => events.push("ready"),
        disconnected: () => events.push("disconnected"),
      });
    });
    await expect.poll(() => events.includes("ready"), { timeout: 5000 }).toBe(true);
    await redisCommand(redis.url, "CLIENT", "KILL", "TYPE", "pubsub");
    await expect
      .poll(() => events.filter((e) => e === "ready").length, { timeout: 10_000 })
      .toBe(2);
    expect(events.indexOf("disconnected")).toBeGreaterThan(0);
    await other.publish({ op: "delete", key: "after" });
    await seen;
    await bus.close();
    await other.close();
    // Caller clients stay open; the bus only unsubscribed.
    expect(publisher.isOpen && subscriber.isOpen).toBe(true);
    await expect(bus.publish({ op: "clear" })).rejects.toMatchObject({ code: "E_CLOSED" });
  });

  it("a SUBSCRIBE refused while the connection stays up is retried by the ping tick", async () => {
    // An ACL user without channel rights: SUBSCRIBE fails with NOPERM, the connection stays up.
    const user = `bus-${randomPrefix("u").slice(2, -1)}`;
    await redisCommand(
      redis.url,
      "ACL",
      "SETUSER",
      user,
      "on",
      "nopass",
      "+@all",
      "~*",
      "resetchannels",
    );
    const publisher = await connectedClient(redis.url);
    const subscriber = createClient({ url: redis.url, username: user, password: "unused" });
    subscriber.on("error", () => {});
    await subscriber.connect();
    const warnings: string[] = [];
    const bus = new NodeRedisInvalidationBus({
      publisher,
      subscriber,
      channel: invalidationChannel(randomPrefix("bus")),
      logger: { ...silentLogger, warn: (message: string) => warnings.push(message) },
      commandTimeoutMs: 300,
      pingIntervalMs: 100,
    });
    const events: string[] = [];
    try {
      await bus.subscribe({
        message: () => {},
        ready: () => events.push("ready"),
        disconnected: () => events.push("disconnected"),
      });
      expect(events).toEqual([]);
      expect(warnings.some((warning) => warning.includes("SUBSCRIBE"))).toBe(true);
      await redisCommand(redis.url, "ACL", "SETUSER", user, "allchannels");
      await expect.poll(() => events, { timeout: 5000, interval: 50 }).toEqual(["ready"]);
      expect(bus.live).toBe(true);
    } finally {
      await bus.close();
      await subscriber.close().catch(() => subscriber.destroy());
      await redisCommand(redis.url, "ACL", "DELUSER", user);
    }
  });

  it("refuses a shared publisher/subscriber connection and bad options", async () => {
    const client = await connectedClient(redis.url);
    expect(
      () => new NodeRedisInvalidationBus({ publisher: client, subscriber: client, channel: "c" }),
    ).toThrow(expect.objectContaining({ code: "E_CONFIG" }));
    const other = await connectedClient(redis.url);
    expect(
      () => new NodeRedisInvalidationBus({ publisher: client, subscriber: other, channel: "" }),
    ).toThrow(expect.objectContaining({ code: "E_CONFIG" }));
  });
});
