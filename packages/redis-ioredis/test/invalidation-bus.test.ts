/**
 * What is particular to IoredisInvalidationBus (the driver's bus runs the shared suites in
 * conformance.test.ts): the bus suite over caller connections spread over the nodes of a
 * cluster, and a paused server noticed by the pings of caller clients with `pingIntervalMs`.
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
import { killRedisClients } from "@apikey/redis-test-server";
import { useRedisCluster, useRedisServer } from "@apikey/redis-test-server/vitest";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IoredisInvalidationBus } from "../src/index.js";
import { testPrefix } from "./support/test-prefix.js";

const COMMAND_TIMEOUT_MS = 300;
const PING_INTERVAL_MS = 200;

/**
 * Kill the bus's subscriber connection, and only that one (other buses of the check must stay
 * subscribed): found by its local address in CLIENT LIST, through the raw RESP client.
 */
async function killSubscriberConnection(
  bus: InvalidationBus,
  urls: readonly string[],
): Promise<void> {
  const { stream } = (bus as IoredisInvalidationBus).subscriber;
  const address = `${stream.localAddress}:${stream.localPort}`;
  let killed = 0;
  for (const url of urls)
    killed += await killRedisClients(url, (client) => client.addr === address);
  expect(killed).toBe(1);
}

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
});
