import { buildApiKeyCacheBackend, silentLogger } from "@apikey/core";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { createClient } from "redis";
import { describe, expect, it } from "vitest";
import { NodeRedisApiKeyCacheBackend, nodeRedisDriver } from "../src/index.js";
import { connectedClient, randomPrefix } from "./test-clients.js";

const redis = useRedisServer();

describe("client ownership and configuration", () => {
  it("close() leaves a caller's client open, is idempotent, and later calls reject E_CLOSED", async () => {
    const client = await connectedClient(redis.url);
    const backend = new NodeRedisApiKeyCacheBackend(client, {
      keyPrefix: randomPrefix(),
      logger: silentLogger,
    });
    await backend.set("k", { apiKey: "k", active: true }, 60);
    await Promise.all([backend.close(), backend.close()]);
    await backend.close();
    expect(client.isOpen).toBe(true);
    expect(await client.ping()).toBe("PONG");
    for (const call of [backend.get("k"), backend.clear(), backend.delete("k")]) {
      await expect(call).rejects.toMatchObject({ code: "E_CLOSED" });
    }
  });

  it("close() closes a client the backend owns", async () => {
    const client = createClient({ url: redis.url });
    client.on("error", () => {});
    const backend = new NodeRedisApiKeyCacheBackend(client, {
      keyPrefix: randomPrefix(),
      logger: silentLogger,
      ownsClient: true,
    });
    // Owned and not yet open: the backend connects it; the first call waits for readiness.
    expect(await backend.get("k")).toBeUndefined();
    expect(client.isOpen).toBe(true);
    await backend.close();
    expect(client.isOpen).toBe(false);
  });

  it("a caller's client connected later serves calls made before, within the deadline", async () => {
    const client = createClient({ url: redis.url });
    client.on("error", () => {});
    const backend = new NodeRedisApiKeyCacheBackend(client, {
      keyPrefix: randomPrefix(),
      logger: silentLogger,
    });
    const pending = backend.get("k");
    await client.connect();
    expect(await pending).toBeUndefined();
    await backend.close();
    await client.close();
  });

  it("buildApiKeyCacheBackend() with nodeRedisDriver builds a working, owning backend", async () => {
    const backend = buildApiKeyCacheBackend({
      backend: "redis",
      redisUrl: redis.url,
      redisKeyPrefix: randomPrefix(),
      redis: nodeRedisDriver,
      logger: silentLogger,
    });
    await backend.set("k", { apiKey: "k", active: true }, 60);
    expect(await backend.get("k")).toEqual({ apiKey: "k", active: true });
    await backend.clear();
    await backend.close();
    expect((backend as NodeRedisApiKeyCacheBackend).client.isOpen).toBe(false);
  });

  it("bad options fail at construction with E_CONFIG", async () => {
    const client = await connectedClient(redis.url);
    const bad: Array<() => unknown> = [
      () => new NodeRedisApiKeyCacheBackend(client, { keyPrefix: "" }),
      () => new NodeRedisApiKeyCacheBackend(client, { commandTimeoutMs: 0 }),
      () => new NodeRedisApiKeyCacheBackend(client, { commandTimeoutMs: Number.NaN }),
      () => new NodeRedisApiKeyCacheBackend({} as never),
      () => nodeRedisDriver.createBackend({ url: "http://localhost" }),
      () => nodeRedisDriver.createBackend({ url: redis.url, keyPrefix: "" }),
      () => nodeRedisDriver.createInvalidationBus({ url: "", channel: "c" }),
    ];
    for (const build of bad) expect(build).toThrow(expect.objectContaining({ code: "E_CONFIG" }));
    expect(nodeRedisDriver.name).toBe("node-redis");
  });
});
