/** The read batching options of the Redis engine and of a driver: defaults and E_CONFIG checks. */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_READ_BATCH_SIZE,
  MAX_READ_BATCH_SIZE_LIMIT,
  resolveReadBatching,
  resolveRedisBackendOptions,
  resolveRedisDriverBackendOptions,
} from "../src/redis/index.js";

describe("read batching options", () => {
  it("are on, 128 keys a batch, by default", () => {
    expect(DEFAULT_MAX_READ_BATCH_SIZE).toBe(128);
    expect(resolveRedisBackendOptions({}, "Owner")).toMatchObject({
      batchReads: true,
      maxReadBatchSize: 128,
    });
    expect(resolveRedisDriverBackendOptions({ url: "redis://127.0.0.1:1" }, "drv")).toMatchObject({
      batchReads: true,
      maxReadBatchSize: 128,
    });
  });

  it("take what is given, within bounds", () => {
    expect(resolveReadBatching({ batchReads: false, maxReadBatchSize: 1 }, "O")).toEqual({
      batchReads: false,
      maxReadBatchSize: 1,
    });
    expect(resolveReadBatching({ maxReadBatchSize: MAX_READ_BATCH_SIZE_LIMIT }, "O")).toEqual({
      batchReads: true,
      maxReadBatchSize: MAX_READ_BATCH_SIZE_LIMIT,
    });
    expect(
      resolveRedisDriverBackendOptions(
        { url: "redis://127.0.0.1:1", batchReads: false, maxReadBatchSize: 32 },
        "drv",
      ),
    ).toMatchObject({ batchReads: false, maxReadBatchSize: 32 });
  });

  it("refuse a non-boolean batchReads with E_CONFIG naming the option and the owner", () => {
    for (const batchReads of ["yes", 1, 0, {}]) {
      expect(() => resolveRedisBackendOptions({ batchReads } as never, "Owner")).toThrow(
        expect.objectContaining({
          code: "E_CONFIG",
          message: expect.stringMatching(/^Owner: batchReads must be true or false, got /),
        }),
      );
    }
  });

  it("refuse a maxReadBatchSize that is not an integer from 1 to the limit", () => {
    for (const size of [0, -1, 1.5, Number.NaN, MAX_READ_BATCH_SIZE_LIMIT + 1, "64"]) {
      expect(() =>
        resolveRedisDriverBackendOptions(
          { url: "redis://127.0.0.1:1", maxReadBatchSize: size as number },
          "drv",
        ),
      ).toThrow(
        expect.objectContaining({
          code: "E_CONFIG",
          message: expect.stringContaining(
            `drv: maxReadBatchSize must be an integer from 1 to ${MAX_READ_BATCH_SIZE_LIMIT}, got `,
          ),
        }),
      );
    }
  });
});
