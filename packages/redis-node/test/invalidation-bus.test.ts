import { describeInvalidationBusConformance } from "@apikey/conformance";
import { redisCommand, useRedisServer } from "@apikey/conformance/redis";
import { invalidationChannel, silentLogger } from "@apikey/core";
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
