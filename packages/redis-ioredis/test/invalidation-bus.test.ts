/**
 * The invalidation bus: the shared bus conformance suite (driver-owned connections on one
 * server; caller connections spread over the nodes of a cluster), then what the suite cannot
 * see: a paused server noticed by the pings, publish under faults, malformed messages.
 */
import { describeInvalidationBusConformance } from "@apikey/conformance";
import {
  type InvalidationBus,
  type InvalidationHandlers,
  type InvalidationMessage,
  invalidationChannel,
  isApiKeyCacheError,
  silentLogger,
} from "@apikey/core";
import { useRedisCluster, useRedisServer } from "@apikey/redis-test-server/vitest";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IoredisInvalidationBus, ioredisDriver } from "../src/index.js";
import { testPrefix } from "./support/test-prefix.js";

const COMMAND_TIMEOUT_MS = 300;
const PING_INTERVAL_MS = 200;

/**
 * Kill the bus's subscriber connection, and only that one (other buses of the check must stay
 * subscribed): CLIENT KILL TYPE pubsub, narrowed to the subscriber's local address.
 */
async function killSubscriberConnection(
  bus: InvalidationBus,
  urls: readonly string[],
): Promise<void> {
  const { subscriber } = bus as IoredisInvalidationBus;
  const address = `${subscriber.stream.localAddress}:${subscriber.stream.localPort}`;
  let killed = 0;
  for (const url of urls) {
    const admin = new Redis(url);
    try {
      killed += Number(
        await admin.call("CLIENT", "KILL", "TYPE", "pubsub", "ADDR", address, "SKIPME", "yes"),
      );
    } finally {
      await admin.quit();
    }
  }
  expect(killed).toBe(1);
}

describe("standalone server, driver-owned connections", () => {
  const server = useRedisServer({ spawn: true });
  const channel = invalidationChannel(testPrefix("bus"));

  describeInvalidationBusConformance("IoredisInvalidationBus (standalone)", {
    createBus: () =>
      ioredisDriver.createInvalidationBus({ url: server.url, channel, logger: silentLogger }),
    breakSubscriberConnection: (bus) => killSubscriberConnection(bus, [server.url]),
  });
});

describe("3-master cluster, caller connections on different nodes", () => {
  const cluster = useRedisCluster();
  const channel = invalidationChannel(testPrefix("bus"));
  const callerClients = new Map<IoredisInvalidationBus, Redis[]>();
  let created = 0;

  describeInvalidationBusConformance("IoredisInvalidationBus (cluster)", {
    createBus: () => {
      // Publisher and subscriber of one bus, and successive buses, sit on different nodes.
      const urls = cluster.urls;
      const publisher = new Redis(urls[created % urls.length] as string);
      const subscriber = new Redis(urls[(created + 1) % urls.length] as string);
      created++;
      const bus = new IoredisInvalidationBus({
        publisher,
        subscriber,
        channel,
        logger: silentLogger,
      });
      callerClients.set(bus, [publisher, subscriber]);
      return bus;
    },
    breakSubscriberConnection: (bus) => killSubscriberConnection(bus, cluster.urls),
    dispose: async (bus) => {
      await bus.close();
      const clients = callerClients.get(bus) ?? [];
      // close() leaves a caller's connections open; the test closes them.
      for (const client of clients) expect(client.status).not.toBe("end");
      await Promise.all(clients.map((client) => client.quit()));
    },
  });
});

/** Handlers that record what they were told. */
function recorder(): InvalidationHandlers & {
  events: string[];
  messages: InvalidationMessage[];
  next(event: string, from: number, timeoutMs?: number): Promise<number>;
} {
  const events: string[] = [];
  const messages: InvalidationMessage[] = [];
  return {
    events,
    messages,
    message: (message) => {
      messages.push(message);
      events.push("message");
    },
    ready: () => events.push("ready"),
    disconnected: () => events.push("disconnected"),
    async next(event, from, timeoutMs = 5000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const index = events.indexOf(event, from);
        if (index !== -1) return index;
        if (performance.now() > deadline) {
          throw new Error(`no ${event} after event ${from} within ${timeoutMs} ms: ${events}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

describe("faults on a spawned server", () => {
  const server = useRedisServer({ spawn: true });
  let publisher: IoredisInvalidationBus;
  let subscriber: IoredisInvalidationBus;
  const channel = invalidationChannel(testPrefix("bus"));
  const create = (): IoredisInvalidationBus =>
    new IoredisInvalidationBus({
      publisher: new Redis(server.url, { lazyConnect: true }),
      subscriber: new Redis(server.url, { lazyConnect: true }),
      channel,
      logger: silentLogger,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      pingIntervalMs: PING_INTERVAL_MS,
      ownsClients: true,
    });
  beforeAll(() => {
    publisher = create();
    subscriber = create();
    for (const bus of [publisher, subscriber]) {
      bus.publisher.on("error", () => {});
      bus.subscriber.on("error", () => {});
    }
  });
  afterAll(async () => {
    server.resume();
    await Promise.all([publisher.close(), subscriber.close()]);
  });

  it("a paused server is noticed by the pings: disconnected(), then ready() after resume", async () => {
    const events = recorder();
    await subscriber.subscribe(events);
    await events.next("ready", 0);
    server.pause();
    let lost: number;
    try {
      const started = performance.now();
      lost = await events.next("disconnected", 0);
      expect(performance.now() - started).toBeLessThan(
        PING_INTERVAL_MS + COMMAND_TIMEOUT_MS + 1000,
      );
      const publishing = performance.now();
      const error = await publisher.publish({ op: "clear" }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE")).toBe(true);
      expect(performance.now() - publishing).toBeLessThan(COMMAND_TIMEOUT_MS + 1000);
    } finally {
      server.resume();
    }
    const back = await events.next("ready", lost + 1, 15_000);
    // Delivery works again; retry the publish while the publisher reconnects too.
    const key = `after-resume-${Math.random()}`;
    const deadline = performance.now() + 15_000;
    for (;;) {
      try {
        await publisher.publish({ op: "delete", key });
        break;
      } catch (error) {
        if (performance.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await events.next("message", back);
    expect(events.messages.at(-1)).toEqual({ op: "delete", key });
  });

  it("publish on a killed server fails within its deadline", async () => {
    await server.kill();
    try {
      const started = performance.now();
      const error = await publisher.publish({ op: "clear" }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE")).toBe(true);
      expect(performance.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS + 1000);
    } finally {
      await server.restart();
    }
  });
});

describe("messages on the channel", () => {
  const server = useRedisServer();

  it("ignores malformed messages and keeps delivering good ones", async () => {
    const channel = invalidationChannel(testPrefix("bus"));
    const raw = new Redis(server.url);
    const bus = ioredisDriver.createInvalidationBus({
      url: server.url,
      channel,
      logger: silentLogger,
    });
    const events = recorder();
    await bus.subscribe(events);
    await events.next("ready", 0);
    for (const junk of [
      "not json",
      "{}",
      '{"v":2,"origin":"x","op":"clear"}',
      '{"v":1,"origin":"x","op":"set"}',
    ]) {
      await raw.publish(channel, junk);
    }
    await raw.publish(channel, '{"v":1,"origin":"someone-else","op":"delete","key":"k"}');
    await events.next("message", 0);
    expect(events.messages).toEqual([{ op: "delete", key: "k" }]);
    await bus.close();
    await raw.quit();
  });

  it("rejects a malformed publish with a typed error, before sending anything", async () => {
    const bus = ioredisDriver.createInvalidationBus({
      url: server.url,
      channel: invalidationChannel(testPrefix("bus")),
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
});
