/** Option checks shared with node-redis (core/redis): ioredis now checks `logger` too. */
import type { ApiKeyCacheLogger } from "@apikey/core";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { IoredisApiKeyCacheBackend, ioredisDriver } from "../src/index.js";

const NOT_A_LOGGER = { warn: () => {} } as unknown as ApiKeyCacheLogger;

describe("option checks", () => {
  it("a logger without debug/info/warn/error is E_CONFIG, for the class and the driver", () => {
    const client = new Redis({ lazyConnect: true, port: 1 });
    try {
      expect(() => new IoredisApiKeyCacheBackend(client, { logger: NOT_A_LOGGER })).toThrow(
        expect.objectContaining({ code: "E_CONFIG", message: expect.stringContaining("logger") }),
      );
    } finally {
      client.disconnect();
    }
    for (const build of [
      () => ioredisDriver.createBackend({ url: "redis://127.0.0.1:1", logger: NOT_A_LOGGER }),
      () =>
        ioredisDriver.createInvalidationBus({
          url: "redis://127.0.0.1:1",
          channel: "c",
          logger: NOT_A_LOGGER,
        }),
    ]) {
      expect(build).toThrow(expect.objectContaining({ code: "E_CONFIG" }));
    }
  });
});
