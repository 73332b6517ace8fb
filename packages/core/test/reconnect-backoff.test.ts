import { describe, expect, it } from "vitest";
import {
  MAX_RECONNECT_DELAY_MS,
  RECONNECT_JITTER_MS,
  reconnectDelayMs,
} from "../src/redis/reconnect-backoff.js";

describe("reconnectDelayMs", () => {
  it("doubles from 50 ms on the first attempt and caps at MAX_RECONNECT_DELAY_MS", () => {
    for (const [attempt, expected] of [
      [1, 50],
      [2, 100],
      [3, 200],
      [6, 1600],
      [7, MAX_RECONNECT_DELAY_MS],
      [100, MAX_RECONNECT_DELAY_MS],
    ] as const) {
      const delay = reconnectDelayMs(attempt);
      expect(delay).toBeGreaterThanOrEqual(expected);
      expect(delay).toBeLessThan(expected + RECONNECT_JITTER_MS);
    }
  });

  it("treats attempts below 1 or not finite as the first attempt", () => {
    for (const attempt of [0, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
      const delay = reconnectDelayMs(attempt);
      expect(delay).toBeGreaterThanOrEqual(50);
      expect(delay).toBeLessThan(50 + RECONNECT_JITTER_MS);
    }
  });
});
