/** `buildApiKeyCacheBackend` hands `batchReads` and `maxReadBatchSize` to the driver as given. */
import { describe, expect, it } from "vitest";
import {
  buildApiKeyCacheBackend,
  InMemoryApiKeyCacheBackend,
  type RedisDriver,
  type RedisDriverBackendOptions,
} from "../src/index.js";

/** A driver test double that records what `createBackend` is given (no Redis involved). */
function recordingDriver(): { driver: RedisDriver; calls: RedisDriverBackendOptions[] } {
  const calls: RedisDriverBackendOptions[] = [];
  const driver: RedisDriver = {
    name: "recording",
    createBackend(options) {
      calls.push(options);
      return new InMemoryApiKeyCacheBackend();
    },
    createInvalidationBus() {
      throw new Error("not used by these tests");
    },
  };
  return { driver, calls };
}

describe("buildApiKeyCacheBackend read batching options", () => {
  it("passes batchReads and maxReadBatchSize through", () => {
    const { driver, calls } = recordingDriver();
    const options = { backend: "redis", redisUrl: "redis://127.0.0.1:6390", redis: driver };
    buildApiKeyCacheBackend({ ...options, batchReads: false, maxReadBatchSize: 32 });
    expect(calls[0]).toMatchObject({ batchReads: false, maxReadBatchSize: 32 });
  });

  it("leaves them out when not given, so the driver's defaults apply", () => {
    const { driver, calls } = recordingDriver();
    buildApiKeyCacheBackend({
      backend: "redis",
      redisUrl: "redis://127.0.0.1:6390",
      redis: driver,
    });
    expect(calls[0]).not.toHaveProperty("batchReads");
    expect(calls[0]).not.toHaveProperty("maxReadBatchSize");
  });
});
