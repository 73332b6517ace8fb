import {
  buildApiKeyCacheBackend,
  InMemoryApiKeyCacheBackend,
  type RedisDriver,
  type RedisDriverBackendOptions,
  type RedisDriverBusOptions,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import { createInProcessBusNetwork, type InProcessInvalidationBus } from "@apikey/core/testing";
import { describe, expect, it } from "vitest";

/** A driver whose "Redis" is memory and an in-process bus (this test checks only the wiring). */
function recordingDriver() {
  const network = createInProcessBusNetwork();
  const backendOptions: RedisDriverBackendOptions[] = [];
  const busOptions: RedisDriverBusOptions[] = [];
  const remotes: InMemoryApiKeyCacheBackend[] = [];
  const buses: InProcessInvalidationBus[] = [];
  const driver: RedisDriver = {
    name: "in-process",
    createBackend(options) {
      backendOptions.push(options);
      const remote = new InMemoryApiKeyCacheBackend();
      remotes.push(remote);
      return remote;
    },
    createInvalidationBus(options) {
      busOptions.push(options);
      const bus = network.createBus();
      buses.push(bus);
      return bus;
    },
  };
  return { driver, backendOptions, busOptions, remotes, buses };
}

describe('buildApiKeyCacheBackend({ backend: "tiered" })', () => {
  it("builds a tiered backend over the driver's backend and bus, on the prefix's channel", async () => {
    const { driver, backendOptions, busOptions, buses } = recordingDriver();
    const backend = buildApiKeyCacheBackend({
      backend: " Tiered ",
      redisUrl: "redis://127.0.0.1:6390",
      redisKeyPrefix: "svc:apikey:",
      redis: driver,
      commandTimeoutMs: 250,
      localTtlSeconds: 2,
      logger: silentLogger,
    });
    expect(backend).toBeInstanceOf(TieredApiKeyCacheBackend);
    expect(backend.maxStalenessMs).toBe(2_000);
    expect(backendOptions).toEqual([
      expect.objectContaining({
        url: "redis://127.0.0.1:6390",
        keyPrefix: "svc:apikey:",
        commandTimeoutMs: 250,
      }),
    ]);
    expect(busOptions).toEqual([
      expect.objectContaining({
        url: "redis://127.0.0.1:6390",
        channel: "svc:apikey:__invalidate",
        commandTimeoutMs: 250,
      }),
    ]);
    await backend.set("k", { apiKey: "k", active: true }, 60);
    expect(await backend.get("k")).toEqual({ apiKey: "k", active: true });
    await backend.close();
    expect(buses[0]?.closed).toBe(true);
  });

  it("defaults: prefix apikey:, localTtlSeconds 5", async () => {
    const { driver, busOptions } = recordingDriver();
    const backend = buildApiKeyCacheBackend({
      backend: "tiered",
      redisUrl: "redis://127.0.0.1:6390",
      redis: driver,
      logger: silentLogger,
    });
    expect(busOptions[0]?.channel).toBe("apikey:__invalidate");
    expect(backend.maxStalenessMs).toBe(5_000);
    await backend.close();
  });

  it("a bad localTtlSeconds is E_CONFIG and releases what the driver created", async () => {
    const { driver, remotes, buses } = recordingDriver();
    expect(() =>
      buildApiKeyCacheBackend({
        backend: "tiered",
        redisUrl: "redis://127.0.0.1:6390",
        redis: driver,
        localTtlSeconds: 0,
        logger: silentLogger,
      }),
    ).toThrow(expect.objectContaining({ code: "E_CONFIG" }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(buses[0]?.closed).toBe(true);
    await expect(remotes[0]?.get("k")).rejects.toMatchObject({ code: "E_CLOSED" });
  });

  it("a bus the driver cannot build is reported and the driver's backend released", async () => {
    const { driver, remotes } = recordingDriver();
    const failing: RedisDriver = {
      ...driver,
      createInvalidationBus() {
        throw new Error("no bus today");
      },
    };
    expect(() =>
      buildApiKeyCacheBackend({
        backend: "tiered",
        redisUrl: "redis://127.0.0.1:6390",
        redis: failing,
        logger: silentLogger,
      }),
    ).toThrow("no bus today");
    await new Promise((resolve) => setImmediate(resolve));
    await expect(remotes[0]?.get("k")).rejects.toMatchObject({ code: "E_CLOSED" });
  });

  it("passes cluster: true to the driver's backend and bus", async () => {
    const { driver, backendOptions, busOptions } = recordingDriver();
    const backend = buildApiKeyCacheBackend({
      backend: "tiered",
      redisUrl: "redis://127.0.0.1:6390",
      redis: driver,
      cluster: true,
      logger: silentLogger,
    });
    expect(backendOptions[0]?.cluster).toBe(true);
    expect(busOptions[0]?.cluster).toBe(true);
    await backend.close();
  });

  it("tiered with an empty redisUrl falls back to memory with a warning", () => {
    const warnings: string[] = [];
    const backend = buildApiKeyCacheBackend({
      backend: "tiered",
      redisUrl: "",
      logger: { ...silentLogger, warn: (message) => warnings.push(message) },
    });
    expect(backend).toBeInstanceOf(InMemoryApiKeyCacheBackend);
    expect(warnings).toHaveLength(1);
  });
});
