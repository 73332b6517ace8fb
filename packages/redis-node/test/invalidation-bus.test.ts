import { describeInvalidationBusConformance } from "@apikey/conformance";
import {
  type InvalidationMessage,
  invalidationChannel,
  isApiKeyCacheError,
  silentLogger,
} from "@apikey/core";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { createClient } from "redis";
import { describe, expect, it } from "vitest";
import { NodeRedisInvalidationBus, nodeRedisDriver } from "../src/index.js";
import { connectedClient, randomPrefix } from "./test-clients.js";

const redis = useRedisServer();
const channel = invalidationChannel(randomPrefix("bus"));

describeInvalidationBusConformance("NodeRedisInvalidationBus", {
  createBus: () =>
    nodeRedisDriver.createInvalidationBus({
      url: redis.url,
      channel,
      logger: silentLogger,
      commandTimeoutMs: 500,
    }) as NodeRedisInvalidationBus,
  // Kill exactly this bus's subscriber connection (CLIENT KILL TYPE pubsub would also cut
  // the other buses of a check, racing their own reconnects).
  breakSubscriberConnection: async (bus) => {
    const id = await bus.subscriber.sendCommand(["CLIENT", "ID"]);
    expect(await redisCommand(redis.url, "CLIENT", "KILL", "ID", String(id))).toBe(1);
  },
});

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

  it("rejects a malformed publish with a typed error, before sending anything", async () => {
    const bus = nodeRedisDriver.createInvalidationBus({
      url: redis.url,
      channel: invalidationChannel(randomPrefix("bus")),
      logger: silentLogger,
    });
    const cases: Array<[unknown, string]> = [
      [null, "E_INVALID_VALUE"],
      [{ op: "set" }, "E_INVALID_KEY"],
      [{ op: "delete", key: "" }, "E_INVALID_KEY"],
      [{ op: "bogus", key: "k" }, "E_INVALID_VALUE"],
    ];
    for (const [message, code] of cases) {
      const error = await bus.publish(message as InvalidationMessage).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isApiKeyCacheError(error), `${JSON.stringify(message)}: ${String(error)}`).toBe(true);
      expect((error as { code: string }).code, JSON.stringify(message)).toBe(code);
    }
    await bus.close();
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
