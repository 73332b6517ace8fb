/**
 * `ioredisDriver` and client ownership: what the driver builds owns (and closes) its client, a
 * caller's client stays open, bad options fail with E_CONFIG before any connection exists.
 */

import {
  type ApiKeyCacheBackend,
  buildApiKeyCacheBackend,
  invalidationChannel,
  isApiKeyCacheError,
  silentLogger,
} from "@apikey/core";
import { useRedisCluster, useRedisServer } from "@apikey/redis-test-server/vitest";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  IoredisApiKeyCacheBackend,
  type IoredisInvalidationBus,
  ioredisDriver,
} from "../src/index.js";
import { testPrefix } from "./support/test-prefix.js";

const VALUE = { apiKey: "pub_1", active: true };

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isApiKeyCacheError(error) ? error.code : error).toBe(code);
}

function expectThrowsCode(build: () => unknown, code: string): void {
  let error: unknown;
  try {
    build();
  } catch (caught) {
    error = caught;
  }
  expect(isApiKeyCacheError(error) ? error.code : error).toBe(code);
}

describe("ioredisDriver", () => {
  const server = useRedisServer();

  it('is named "ioredis"', () => {
    expect(ioredisDriver.name).toBe("ioredis");
  });

  it("closes the client it created; calls after close reject E_CLOSED; close is idempotent", async () => {
    const backend = ioredisDriver.createBackend({
      url: server.url,
      keyPrefix: testPrefix(),
    }) as IoredisApiKeyCacheBackend;
    await backend.set("k", VALUE, 60);
    await backend.clear();
    await Promise.all([backend.close(), backend.close()]);
    await backend.close();
    expect(backend.client.status).toBe("end");
    await expectCode(backend.get("k"), "E_CLOSED");
    await expectCode(backend.set("k", VALUE, 1), "E_CLOSED");
    await expectCode(backend.clear(), "E_CLOSED");
  });

  it("serves buildApiKeyCacheBackend with backend: redis", async () => {
    const backend: ApiKeyCacheBackend = buildApiKeyCacheBackend({
      backend: "redis",
      redisUrl: server.url,
      redisKeyPrefix: testPrefix(),
      redis: ioredisDriver,
      logger: silentLogger,
    });
    expect(backend).toBeInstanceOf(IoredisApiKeyCacheBackend);
    await backend.set("k", VALUE, 60);
    expect(await backend.get("k")).toEqual(VALUE);
    await backend.clear();
    await backend.close();
  });

  it("closes both connections of a bus it created", async () => {
    const bus = ioredisDriver.createInvalidationBus({
      url: server.url,
      channel: invalidationChannel(testPrefix()),
      logger: silentLogger,
    }) as IoredisInvalidationBus;
    await bus.publish({ op: "clear" });
    await bus.close();
    await bus.close();
    expect(bus.publisher.status).toBe("end");
    expect(bus.subscriber.status).toBe("end");
    await expectCode(bus.publish({ op: "clear" }), "E_CLOSED");
  });

  it("rejects bad options with E_CONFIG", () => {
    const url = server.url;
    expectThrowsCode(() => ioredisDriver.createBackend({ url, keyPrefix: "" }), "E_CONFIG");
    expectThrowsCode(() => ioredisDriver.createBackend({ url: "http://x" }), "E_CONFIG");
    expectThrowsCode(() => ioredisDriver.createBackend({ url: "not a url" }), "E_CONFIG");
    expectThrowsCode(() => ioredisDriver.createBackend({ url, commandTimeoutMs: 0 }), "E_CONFIG");
    expectThrowsCode(
      () => ioredisDriver.createBackend({ url, commandTimeoutMs: Number.NaN }),
      "E_CONFIG",
    );
    expectThrowsCode(() => ioredisDriver.createInvalidationBus({ url, channel: "" }), "E_CONFIG");
    expectThrowsCode(
      () => ioredisDriver.createInvalidationBus({ url: "ftp://x", channel: "c" }),
      "E_CONFIG",
    );
  });
});

describe("a caller-supplied client", () => {
  const server = useRedisServer();
  let client: Redis;
  beforeAll(() => {
    client = new Redis(server.url);
  });
  afterAll(async () => {
    await client.quit();
  });

  it("stays open after the backend closes", async () => {
    const backend = new IoredisApiKeyCacheBackend(client, { keyPrefix: testPrefix() });
    await backend.set("k", VALUE, 60);
    await backend.clear();
    await backend.close();
    expect(client.status).toBe("ready");
    expect(await client.ping()).toBe("PONG");
    await expectCode(backend.get("k"), "E_CLOSED");
  });

  it("is checked, and so are the options", () => {
    expectThrowsCode(
      () => new IoredisApiKeyCacheBackend({} as unknown as Redis, { keyPrefix: "p:" }),
      "E_CONFIG",
    );
    expectThrowsCode(() => new IoredisApiKeyCacheBackend(client, { keyPrefix: "" }), "E_CONFIG");
    expectThrowsCode(
      () => new IoredisApiKeyCacheBackend(client, { commandTimeoutMs: -1 }),
      "E_CONFIG",
    );
  });

  it('uses the "apikey:" prefix by default', () => {
    expect(new IoredisApiKeyCacheBackend(client).keyPrefix).toBe("apikey:");
  });

  it("setIfAbsentGet() returns what was there, or undefined after storing", async () => {
    const backend = new IoredisApiKeyCacheBackend(client, { keyPrefix: testPrefix() });
    expect(await backend.setIfAbsentGet("k", VALUE, 60)).toBeUndefined();
    expect(await backend.setIfAbsentGet("k", { apiKey: "x", active: false }, 60)).toEqual(VALUE);
    expect(await backend.get("k")).toEqual(VALUE);
    expect(await backend.setIfAbsentGet("absent", VALUE, 0)).toBeUndefined();
    expect(await backend.get("absent")).toBeUndefined();
    await backend.clear();
    await backend.close();
  });
});

describe("cluster: true", () => {
  const cluster = useRedisCluster();

  it("builds a Cluster client it owns and closes", async () => {
    const backend = ioredisDriver.createBackend({
      url: cluster.seedUrl,
      cluster: true,
      keyPrefix: testPrefix(),
    }) as IoredisApiKeyCacheBackend;
    expect(backend.client.isCluster).toBe(true);
    await backend.set("k", VALUE, 60);
    expect(await backend.get("k")).toEqual(VALUE);
    await backend.clear();
    await backend.close();
    expect(backend.client.status).toBe("end");
  });
});
