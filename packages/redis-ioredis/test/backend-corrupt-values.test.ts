/**
 * Entries the backend cannot decode, planted with the raw RESP client: they read as misses, are
 * reported without their content, and are removed, but only if still the same bad value (or
 * still of the same wrong type), so a good write that lands in between survives.
 */
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IoredisApiKeyCacheBackend } from "../src/index.js";
import { type CommandHoldProxy, startCommandHoldProxy } from "./support/command-hold-proxy.js";
import { rawRedis, waitUntilGone } from "./support/raw-redis.js";
import { recordingLogger } from "./support/recording-logger.js";
import { testPrefix } from "./support/test-prefix.js";

const SECRET = "do-not-log-me";
const GOOD = { apiKey: "pub_good", active: true };

/** Bad string values: not JSON, and JSON of the wrong shape. */
const BAD_STRINGS: Array<[string, string]> = [
  ["not JSON", `${SECRET}{`],
  ["a JSON array", `["${SECRET}"]`],
  ["a JSON string", `"${SECRET}"`],
  ["apiKey not a string", `{"apiKey":1,"active":true,"note":"${SECRET}"}`],
  ["active missing", `{"apiKey":"${SECRET}"}`],
];

describe("undecodable entries", () => {
  const server = useRedisServer();
  const raw = rawRedis(() => server.url);
  let client: Redis;
  beforeAll(() => {
    client = new Redis(server.url);
  });
  afterAll(async () => {
    await client.quit();
  });

  it.each(BAD_STRINGS)(
    "%s reads as a miss, is logged without its value, and is removed",
    async (_, bad) => {
      const logger = recordingLogger();
      const backend = new IoredisApiKeyCacheBackend(client, { keyPrefix: testPrefix(), logger });
      const key = `${backend.keyPrefix}k`;
      await raw.set(key, bad);
      expect(await backend.get("k")).toBeUndefined();
      await waitUntilGone(raw, key);
      const warning = await logger.waitFor("warn", key);
      expect(JSON.stringify(logger.lines)).not.toContain(SECRET);
      expect(warning.message).toContain("read as a miss");
      await backend.close();
    },
  );

  it("a hash under the key (WRONGTYPE) reads as a miss and is removed", async () => {
    const logger = recordingLogger();
    const backend = new IoredisApiKeyCacheBackend(client, { keyPrefix: testPrefix(), logger });
    const key = `${backend.keyPrefix}k`;
    await raw.hset(key, "apiKey", SECRET);
    expect(await backend.get("k")).toBeUndefined();
    await waitUntilGone(raw, key);
    await logger.waitFor("warn", "WRONGTYPE");
    expect(JSON.stringify(logger.lines)).not.toContain(SECRET);
    await backend.close();
  });

  it("setIfAbsentGet() over a bad entry stores its value and reports nothing was there", async () => {
    const backend = new IoredisApiKeyCacheBackend(client, {
      keyPrefix: testPrefix(),
      logger: recordingLogger(),
    });
    const key = `${backend.keyPrefix}k`;
    await raw.set(key, "garbage");
    expect(await backend.setIfAbsentGet("k", GOOD, 60)).toBeUndefined();
    expect(await raw.get(key)).toBe(JSON.stringify(GOOD));
    await raw.del(key);
    await raw.hset(key, "a", "b");
    expect(await backend.setIfAbsentGet("k", GOOD, 60)).toBeUndefined();
    expect(await raw.get(key)).toBe(JSON.stringify(GOOD));
    expect(await backend.setIfAbsentGet("k", { apiKey: "other", active: false }, 60)).toEqual(GOOD);
    await backend.clear();
    await backend.close();
  });

  describe("a good value written between the read and the cleanup", () => {
    let proxy: CommandHoldProxy;
    let proxied: Redis;
    beforeAll(async () => {
      proxy = await startCommandHoldProxy({ host: server.host, port: server.port });
      proxied = new Redis(proxy.url);
    });
    afterAll(async () => {
      proxied.disconnect();
      await proxy.close();
    });

    it.each([
      ["a bad string", (key: string) => raw.set(key, "garbage")],
      ["a hash", (key: string) => raw.hset(key, "a", "b")],
    ])("is not removed (%s was there)", async (_, plant) => {
      const logger = recordingLogger();
      const backend = new IoredisApiKeyCacheBackend(proxied, { keyPrefix: testPrefix(), logger });
      const key = `${backend.keyPrefix}k`;
      await plant(key);
      proxy.holdNext("eval");
      expect(await backend.get("k")).toBeUndefined();
      await proxy.held();
      // The compare-and-delete is on its way but not yet at Redis: a good write lands first.
      await raw.set(key, JSON.stringify(GOOD));
      proxy.release();
      await logger.waitFor("debug", "left");
      expect(await raw.get(key)).toBe(JSON.stringify(GOOD));
      expect(await backend.get("k")).toEqual(GOOD);
      await backend.clear();
      await backend.close();
    });
  });
});
