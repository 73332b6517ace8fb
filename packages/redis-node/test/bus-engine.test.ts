/**
 * core's invalidation-bus engine (`RedisInvalidationBus`) through both real client adapters,
 * against a redis-server this file spawns: lost and replaced connections, a paused server,
 * refused SUBSCRIBEs, handler isolation, per-waiter deadlines, and hostile messages on the
 * channel. It lives here because this package already tests against ioredis (cross-client).
 */
import { BusRecorder } from "@apikey/conformance";
import {
  type ApiKeyCacheLogger,
  encodeInvalidationMessage,
  type InvalidationMessage,
  invalidationChannel,
  isApiKeyCacheError,
  silentLogger,
} from "@apikey/core";
import type { RedisInvalidationBus, RedisInvalidationBusSettings } from "@apikey/core/redis";
import { IoredisInvalidationBus } from "@apikey/redis-ioredis";
import { RespConnection, redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import {
  type NodeRedisClient,
  NodeRedisInvalidationBus,
  nodeRedisClientOptions,
} from "../src/index.js";
import { randomPrefix } from "./test-clients.js";

const TIMEOUT_MS = 400;
const PING_INTERVAL_MS = 100;
const EVENT_MS = 5_000;
const RECOVERY_MS = 15_000;

const server = useRedisServer({ spawn: true });

/** What a test sets on a bus beyond the defaults. */
interface BusSetup {
  channel: string;
  logger?: ApiKeyCacheLogger;
  /** An ACL user for the subscriber connection (a `nopass` user). */
  subscriberUser?: string;
  pingIntervalMs?: number;
  /** Have the subscriber client hold the channel before the bus exists (a SUBSCRIBE node-redis then acknowledges locally). */
  holdChannel?: boolean;
}

/** One client adapter: how to build a bus that owns new clients, and look at its subscriber. */
interface Adapter {
  readonly name: string;
  createBus(setup: BusSetup): Promise<RedisInvalidationBus>;
  subscriberReady(bus: RedisInvalidationBus): boolean;
}

/** The client-independent options of every bus of this file: short deadlines, owned clients. */
function settingsOf(setup: BusSetup): RedisInvalidationBusSettings {
  return {
    channel: setup.channel,
    logger: setup.logger ?? silentLogger,
    commandTimeoutMs: TIMEOUT_MS,
    pingIntervalMs: setup.pingIntervalMs ?? PING_INTERVAL_MS,
    ownsClients: true,
  };
}

const adapters: readonly Adapter[] = [
  {
    name: "ioredis",
    async createBus(setup) {
      const auth =
        setup.subscriberUser === undefined ? {} : { username: setup.subscriberUser, password: "x" };
      const publisher = new Redis(server.url, { lazyConnect: true });
      const subscriber = new Redis(server.url, {
        lazyConnect: true,
        autoResubscribe: false,
        ...auth,
      });
      for (const client of [publisher, subscriber]) client.on("error", () => {});
      if (setup.holdChannel) {
        await subscriber.connect();
        await subscriber.subscribe(setup.channel);
      }
      return new IoredisInvalidationBus({ publisher, subscriber, ...settingsOf(setup) });
    },
    subscriberReady: (bus) => (bus as IoredisInvalidationBus).subscriber.status === "ready",
  },
  {
    name: "node-redis",
    async createBus(setup) {
      const safe = nodeRedisClientOptions(server.url, { commandTimeoutMs: TIMEOUT_MS });
      const auth =
        setup.subscriberUser === undefined ? {} : { username: setup.subscriberUser, password: "x" };
      const publisher = createClient(safe) as unknown as NodeRedisClient;
      const subscriber = createClient({
        ...nodeRedisClientOptions(server.url, {
          commandTimeoutMs: TIMEOUT_MS,
          pingIdleConnection: false,
        }),
        ...auth,
      }) as unknown as NodeRedisClient;
      for (const client of [publisher, subscriber]) client.on("error", () => {});
      if (setup.holdChannel) {
        await subscriber.connect();
        await subscriber.subscribe(setup.channel, () => {});
      }
      return new NodeRedisInvalidationBus({ publisher, subscriber, ...settingsOf(setup) });
    },
    subscriberReady: (bus) => (bus as NodeRedisInvalidationBus).subscriber.isReady,
  },
];

/** A logger that keeps what it was told at each level. */
function recordingLogger(): ApiKeyCacheLogger & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    ...silentLogger,
    warnings,
    errors,
    warn: (message: string) => warnings.push(message),
    error: (message: string) => errors.push(message),
  };
}

const open: RedisInvalidationBus[] = [];
afterEach(async () => {
  if (server.running) server.resume();
  await Promise.all(open.splice(0).map((bus) => bus.close()));
});

describe.each(adapters)("RedisInvalidationBus over $name", (adapter) => {
  const channel = (): string => invalidationChannel(randomPrefix("engine"));
  const busOn = async (setup: BusSetup): Promise<RedisInvalidationBus> => {
    const bus = await adapter.createBus(setup);
    open.push(bus);
    return bus;
  };
  const subscribed = async (bus: RedisInvalidationBus): Promise<BusRecorder> => {
    const recorder = new BusRecorder();
    recorder.unsubscribe = await bus.subscribe(recorder);
    await recorder.waitFor((e) => e.type === "ready", "ready() after subscribe", EVENT_MS);
    return recorder;
  };
  /** Publish until it succeeds (the publisher may still be reconnecting). */
  const publishSoon = async (bus: RedisInvalidationBus, message: InvalidationMessage) => {
    await expect
      .poll(
        () =>
          bus.publish(message).then(
            () => true,
            () => false,
          ),
        { timeout: RECOVERY_MS, interval: 100 },
      )
      .toBe(true);
  };
  const index = (recorder: BusRecorder, type: string, from = 0): Promise<number> =>
    recorder.waitFor((e) => e.type === type, `${type}()`, RECOVERY_MS, from);
  /** A publishing bus and a subscribed one on a fresh channel. */
  const pair = async () => {
    const name = channel();
    const publisher = await busOn({ channel: name });
    const bus = await busOn({ channel: name });
    return { publisher, bus, recorder: await subscribed(bus) };
  };
  /** A message published now reaches `recorder` after its event `from`. */
  const deliveredAfter = async (
    publisher: RedisInvalidationBus,
    recorder: BusRecorder,
    from: number,
  ): Promise<void> => {
    const key = `after-${from}-${Math.random()}`;
    await publishSoon(publisher, { op: "delete", key });
    await recorder.waitForMessage((m) => m.key === key, "the message", EVENT_MS, from);
  };

  it("CLIENT KILL TYPE pubsub: disconnected(), then ready(), then delivery again", async () => {
    const { publisher, bus, recorder } = await pair();
    expect(Number(await redisCommand(server.url, "CLIENT", "KILL", "TYPE", "pubsub"))).toBe(1);
    const lost = await index(recorder, "disconnected");
    const back = await index(recorder, "ready", lost + 1);
    expect(bus.live).toBe(true);
    await deliveredAfter(publisher, recorder, back);
  });

  it("a server restarted on the same port: disconnected(), then ready() and delivery", async () => {
    const { publisher, bus, recorder } = await pair();
    await server.restart();
    const lost = await index(recorder, "disconnected");
    const back = await index(recorder, "ready", lost + 1);
    expect(bus.live).toBe(true);
    // The new process knows no subscription: delivery proves the bus subscribed again.
    await deliveredAfter(publisher, recorder, back);
  });

  it("a paused server: disconnected() within a ping and its deadline, no ready() until it answers", async () => {
    const { publisher, bus, recorder } = await pair();
    const from = recorder.events.length;
    server.pause();
    const started = performance.now();
    const lost = await index(recorder, "disconnected", from);
    expect(performance.now() - started).toBeLessThan(PING_INTERVAL_MS + TIMEOUT_MS + 2_000);
    // Several ping intervals with the server silent: nothing may claim the channel is back.
    await new Promise((resolve) => setTimeout(resolve, 10 * PING_INTERVAL_MS));
    expect(recorder.events.slice(lost + 1)).toEqual([]);
    expect(bus.live).toBe(false);
    server.resume();
    const back = await index(recorder, "ready", lost + 1);
    await deliveredAfter(publisher, recorder, back);
  });

  it("a SUBSCRIBE acknowledged without a round trip is not confirmed until a PING is answered", async () => {
    const name = channel();
    const publisher = await busOn({ channel: name });
    const bus = await busOn({ channel: name, holdChannel: true });
    server.pause();
    const recorder = new BusRecorder();
    await bus.subscribe(recorder);
    await new Promise((resolve) => setTimeout(resolve, 10 * PING_INTERVAL_MS));
    expect(recorder.events).toEqual([]);
    expect(bus.live).toBe(false);
    server.resume();
    const back = await index(recorder, "ready");
    await deliveredAfter(publisher, recorder, back);
  });

  it("subscribe() on a silent server resolves after each caller's own deadline, ready() follows", async () => {
    const bus = await busOn({ channel: channel() });
    await expect.poll(() => adapter.subscriberReady(bus), { timeout: EVENT_MS }).toBe(true);
    server.pause();
    const first = new BusRecorder();
    const second = new BusRecorder();
    const firstStarted = performance.now();
    const firstDone = bus.subscribe(first).then(() => performance.now() - firstStarted);
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS / 2));
    const secondStarted = performance.now();
    const secondWaited = await bus.subscribe(second).then(() => performance.now() - secondStarted);
    const firstWaited = await firstDone;
    // Timers never fire early: a shared waiter would release the second with the first.
    expect(firstWaited).toBeGreaterThanOrEqual(TIMEOUT_MS - 2);
    expect(secondWaited).toBeGreaterThanOrEqual(TIMEOUT_MS - 2);
    expect([...first.events, ...second.events]).toEqual([]);
    server.resume();
    await index(first, "ready");
    await index(second, "ready");
  });

  it("a SUBSCRIBE refused with NOPERM is retried on the backoff, not in a tight loop", async () => {
    const user = `engine-${randomPrefix("u").slice(2, -1)}`;
    // Every right but channels: SUBSCRIBE fails with NOPERM while the connection stays up.
    const rights = ["on", "nopass", "+@all", "~*", "resetchannels"];
    await redisCommand(server.url, "ACL", "SETUSER", user, ...rights);
    const logger = recordingLogger();
    try {
      await redisCommand(server.url, "CONFIG", "RESETSTAT");
      // A 10 ms ping interval: a retry per tick would be ~150 attempts in the window below.
      const bus = await busOn({
        channel: channel(),
        subscriberUser: user,
        logger,
        pingIntervalMs: 10,
      });
      const recorder = new BusRecorder();
      await bus.subscribe(recorder);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const refused = await rejectedSubscribes();
      expect(refused).toBeGreaterThanOrEqual(2);
      expect(refused).toBeLessThanOrEqual(12);
      expect(logger.warnings.filter((line) => line.includes("SUBSCRIBE"))).toHaveLength(1);
      expect(recorder.events).toEqual([]);
      await redisCommand(server.url, "ACL", "SETUSER", user, "allchannels");
      await index(recorder, "ready");
    } finally {
      await redisCommand(server.url, "ACL", "DELUSER", user);
    }
  });

  it("a handler that throws stops neither the other handlers nor the bus", async () => {
    const name = channel();
    const logger = recordingLogger();
    const publisher = await busOn({ channel: name });
    const bus = await busOn({ channel: name, logger });
    const fails = () => {
      throw new Error("handler bug");
    };
    await bus.subscribe({ message: fails, ready: fails, disconnected: fails });
    const recorder = await subscribed(bus);
    await publisher.publish({ op: "delete", key: "one" });
    await publisher.publish({ op: "delete", key: "two" });
    await recorder.waitForMessage((m) => m.key === "two", "the second message", EVENT_MS);
    expect(recorder.messages.map((m) => m.key)).toEqual(["one", "two"]);
    expect(logger.errors.some((line) => line.includes("message() handler threw"))).toBe(true);
    expect(logger.errors.some((line) => line.includes("ready() handler threw"))).toBe(true);
    expect(bus.live).toBe(true);
  });

  it("10,000 malformed messages log one warning, then one count when the bus closes", async () => {
    const name = channel();
    const logger = recordingLogger();
    const bus = await busOn({ channel: name, logger, pingIntervalMs: 60_000 });
    const recorder = await subscribed(bus);
    const junk = [
      "not json",
      "{}",
      '{"v":2,"origin":"x","op":"clear"}',
      '{"v":1,"origin":"x","op":"set"}',
    ];
    await publishRaw(
      name,
      Array.from({ length: 10_000 }, (_, i) => junk[i % junk.length] as string),
    );
    await recorder.waitForMessage((m) => m.key === "k", "the good message after", EVENT_MS);
    expect(recorder.messages).toEqual([{ op: "delete", key: "k" }]);
    expect(dropLines(logger)).toEqual([
      expect.stringContaining("dropped a message (not a valid invalidation message)"),
    ]);
    await bus.close();
    expect(dropLines(logger)).toHaveLength(2);
    expect(dropLines(logger)[1]).toContain("dropped 9999 more message(s)");
  });

  it("a 20 MB message is dropped before it is parsed; the next one is delivered", async () => {
    const name = channel();
    const logger = recordingLogger();
    const bus = await busOn({ channel: name, logger, pingIntervalMs: 60_000 });
    const recorder = await subscribed(bus);
    // Well formed but for its size: without the cap it would clear every L1.
    const huge = `{"v":1,"origin":"someone-else","op":"clear","pad":"${"x".repeat(20 * 1024 * 1024)}"}`;
    await publishRaw(name, [huge]);
    await recorder.waitForMessage((m) => m.key === "k", "the good message after", EVENT_MS);
    expect(recorder.messages).toEqual([{ op: "delete", key: "k" }]);
    expect(dropLines(logger)).toEqual([expect.stringContaining("larger than 65536 bytes")]);
  });

  it("publish() of a message over the size cap rejects with E_INVALID_KEY, sending nothing", async () => {
    const name = channel();
    const publisher = await busOn({ channel: name });
    const recorder = await subscribed(await busOn({ channel: name }));
    const error = await publisher
      .publish({ op: "delete", key: "k".repeat(70_000) })
      .catch((e: unknown) => e);
    expect(isApiKeyCacheError(error, "E_INVALID_KEY"), String(error)).toBe(true);
    await publisher.publish({ op: "delete", key: "barrier" });
    await recorder.waitForMessage((m) => m.key === "barrier", "the barrier", EVENT_MS);
    expect(recorder.messages).toEqual([{ op: "delete", key: "barrier" }]);
  });
});

/** PUBLISH `payloads` on one raw connection, pipelined, then a good message with key "k". */
async function publishRaw(channel: string, payloads: readonly string[]): Promise<void> {
  const raw = await RespConnection.open(server.url, { timeoutMs: 10_000 });
  try {
    await Promise.all(payloads.map((payload) => raw.command(["PUBLISH", channel, payload])));
    const good = encodeInvalidationMessage("someone-else", { op: "delete", key: "k" });
    await raw.command(["PUBLISH", channel, good]);
  } finally {
    raw.close();
  }
}

/** The warnings about dropped messages (a slow PONG on a loaded machine may add others). */
function dropLines(logger: { warnings: string[] }): string[] {
  return logger.warnings.filter((line) => line.includes(": dropped "));
}

/** SUBSCRIBE calls the server refused (ACL) since the last CONFIG RESETSTAT. */
async function rejectedSubscribes(): Promise<number> {
  const stats = String(await redisCommand(server.url, "INFO", "commandstats"));
  const line = stats.split("\r\n").find((entry) => entry.startsWith("cmdstat_subscribe:"));
  return Number(/rejected_calls=(\d+)/.exec(line ?? "")?.[1] ?? 0);
}
