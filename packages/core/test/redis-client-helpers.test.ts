import { silentLogger } from "@apikey/core";
import {
  CLEAR_BATCH_SIZE,
  clusterKeySlot,
  createConnectionErrorLog,
  unlinkBatches,
} from "@apikey/core/redis";
import { describe, expect, it } from "vitest";

describe("unlinkBatches", () => {
  const keys = Array.from({ length: 1_234 }, (_, i) => `p:${i}`);

  it("splits a standalone SCAN reply into batches of at most CLEAR_BATCH_SIZE, keeping every key", () => {
    const batches = unlinkBatches(keys, false);
    expect(batches.map((b) => b.length)).toEqual([500, 500, 234]);
    expect(batches.flat()).toEqual(keys);
    expect(unlinkBatches([], false)).toEqual([]);
  });

  it("on a cluster, every batch holds one slot and is bounded", () => {
    const sameSlot = Array.from({ length: 1_100 }, (_, i) => `{tag}:${i}`);
    const batches = unlinkBatches([...keys, ...sameSlot], true);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(CLEAR_BATCH_SIZE);
      expect(new Set(batch.map(clusterKeySlot)).size).toBe(1);
    }
    expect(batches.flat().sort()).toEqual([...keys, ...sameSlot].sort());
  });
});

describe("createConnectionErrorLog", () => {
  it("logs the first error at once, then at most one line per interval with a count", async () => {
    const lines: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => lines.push(message) };
    const listener = createConnectionErrorLog(logger, "svc", 50);
    listener(new Error("ECONNREFUSED"));
    listener(new Error("ECONNREFUSED"));
    listener("not an Error");
    expect(lines).toEqual(["svc: Redis connection error: ECONNREFUSED"]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    listener(new Error("ETIMEDOUT"));
    expect(lines[1]).toBe("svc: Redis connection error: ETIMEDOUT (2 similar errors not logged)");
  });
});
