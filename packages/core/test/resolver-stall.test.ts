/**
 * The breaker against a blocked event loop: a store one real loopback round trip away (a TCP
 * echo in this process stands for the network), 50 lookups in flight, and a 150 ms synchronous
 * busy loop. The stall must not open the circuit; a store that really stops answering must.
 */
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import {
  type ApiKeyCacheBackend,
  type ApiKeyResolver,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  silentLogger,
} from "@apikey/core";
import { afterEach, describe, expect, it } from "vitest";

/** Block the event loop for `ms`, as a GC pause or a synchronous burst elsewhere would. */
function stall(ms: number): number {
  const end = performance.now() + ms;
  let spins = 0;
  while (performance.now() < end) spins++;
  return spins;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface RemoteStore {
  backend: ApiKeyCacheBackend;
  /** While true, calls are sent but never answered (a SIGSTOPped server). */
  hung: boolean;
  close(): Promise<void>;
}

/** A memory store whose every call first makes a round trip through a loopback TCP echo. */
async function remoteStore(): Promise<RemoteStore> {
  const server: Server = createServer((socket) => {
    socket.on("error", () => {}); // the client end is destroyed at teardown
    socket.pipe(socket);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  const socket: Socket = connect({ port: address.port, host: "127.0.0.1", noDelay: true });
  await once(socket, "connect");
  const waiting: Array<() => void> = [];
  socket.on("data", (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i++) waiting.shift()?.();
  });
  const memory = new InMemoryApiKeyCacheBackend();
  const store: RemoteStore = {
    hung: false,
    backend: {
      get: (key) => roundTrip(() => memory.get(key)),
      set: (key, value, ttl) => roundTrip(() => memory.set(key, value, ttl)),
      setIfAbsent: (key, value, ttl) => roundTrip(() => memory.setIfAbsent(key, value, ttl)),
      setIfAbsentGet: (key, value, ttl) => roundTrip(() => memory.setIfAbsentGet(key, value, ttl)),
      delete: (key) => roundTrip(() => memory.delete(key)),
      clear: () => roundTrip(() => memory.clear()),
      close: () => memory.close(),
    },
    async close() {
      socket.destroy();
      server.close();
      await memory.close();
    },
  };
  function roundTrip<T>(call: () => Promise<T>): Promise<T> {
    if (store.hung) return new Promise<T>(() => {});
    return new Promise<void>((resolve) => {
      waiting.push(resolve);
      socket.write("x");
    }).then(call);
  }
  return store;
}

const KEYS = Array.from({ length: 50 }, (_, i) => `sk-stall-${i}`);
const database = new Map(KEYS.map((key) => [hashApiKey(key), { apiKey: key, active: true }]));
const load = async (keyHash: string): Promise<CachedApiKey | undefined> => database.get(keyHash);

let store: RemoteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function warmed(options: { circuitFailureSliceMs?: number } = {}): Promise<ApiKeyResolver> {
  store = await remoteStore();
  const resolver = createApiKeyResolver({
    backend: store.backend,
    load,
    logger: silentLogger,
    ...options,
  });
  for (const key of KEYS) await resolver.resolve(key);
  for (const key of KEYS) await resolver.resolve(key);
  expect(resolver.stats()).toMatchObject({ hits: KEYS.length, timeouts: 0, circuit: "closed" });
  return resolver;
}

/** 50 lookups sent, then the loop blocked for `ms` before any reply is read. */
async function stallWithCallsInFlight(resolver: ApiKeyResolver, ms: number): Promise<void> {
  const inFlight = KEYS.map((key) => resolver.resolve(key));
  expect(stall(ms)).toBeGreaterThan(0);
  for (const result of await Promise.all(inFlight)) expect(result?.active).toBe(true);
}

describe("createApiKeyResolver: an event-loop stall does not trip the breaker", () => {
  it("a 150 ms busy loop with 50 lookups in flight leaves the circuit closed (default options)", async () => {
    const resolver = await warmed();
    for (let round = 0; round < 3; round++) {
      await stallWithCallsInFlight(resolver, 150);
      await sleep(20);
    }
    const stats = resolver.stats();
    console.info(
      `[resolver-stall] 3 stalls of 150 ms, 50 lookups in flight each: timeouts ${stats.timeouts} (late ${stats.lateTimeouts}), bypasses ${stats.bypasses}, circuit openings ${stats.circuitOpens}`,
    );
    expect(stats).toMatchObject({ circuit: "closed", circuitOpens: 0 });
    // Whatever timed out did so because the loop was blocked, not because the store was slow.
    expect(stats.lateTimeouts).toBe(stats.timeouts);
    // And the cache still answers.
    const hits = stats.hits;
    for (const key of KEYS) await resolver.resolve(key);
    expect(resolver.stats().hits).toBe(hits + KEYS.length);
  });

  it("with failures no longer grouped in time, the late deadlines alone keep it closed", async () => {
    // circuitFailureSliceMs 0: every failure counts, so 50 timeouts counted would open it.
    const resolver = await warmed({ circuitFailureSliceMs: 0 });
    await stallWithCallsInFlight(resolver, 150);
    const stats = resolver.stats();
    expect(stats).toMatchObject({ circuit: "closed", circuitOpens: 0 });
    expect(stats.lateTimeouts).toBe(stats.timeouts);
  });

  it("a store that stops answering under steady traffic still opens the circuit, and hits return within 2 s of it answering again", async () => {
    const resolver = await warmed();
    const remote = store as RemoteStore;
    remote.hung = true;
    const hungAt = performance.now();
    let openedAt: number | undefined;
    // Steady traffic: a lookup every 20 ms, each bounded by the read deadline.
    while (performance.now() - hungAt < 3_000) {
      expect((await resolver.resolve(KEYS[0] as string))?.active).toBe(true);
      if (openedAt === undefined && resolver.stats().circuit !== "closed") {
        openedAt = performance.now();
      }
      await sleep(20);
    }
    expect(openedAt).toBeDefined();
    const openedAfterMs = (openedAt as number) - hungAt;
    // Five distinct failures at least 100 ms apart, each found after the 100 ms read deadline.
    expect(openedAfterMs).toBeGreaterThanOrEqual(400);
    expect(openedAfterMs).toBeLessThan(2_000);
    expect(resolver.stats().circuitOpens).toBe(1);

    remote.hung = false;
    const answeringAt = performance.now();
    const hitsBefore = resolver.stats().hits;
    while (resolver.stats().hits === hitsBefore && performance.now() - answeringAt < 5_000) {
      await resolver.resolve(KEYS[0] as string);
      await sleep(20);
    }
    const recoveredAfterMs = performance.now() - answeringAt;
    expect(resolver.stats().hits).toBeGreaterThan(hitsBefore);
    expect(recoveredAfterMs).toBeLessThan(2_000);
    expect(resolver.stats().circuit).toBe("closed");
    console.info(
      `[resolver-stall] opened ${Math.round(openedAfterMs)} ms after the store hung; hits back ${Math.round(recoveredAfterMs)} ms after it answered`,
    );
  });
});
