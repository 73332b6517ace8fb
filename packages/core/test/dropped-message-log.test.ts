/**
 * The rate limit of a bus's warnings about dropped messages, on a fake clock: the first drop
 * at once, then at most one line per interval with the count, and the rest at close().
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../src/index.js";
import { DROPPED_MESSAGE_LOG_INTERVAL_MS, DroppedMessageLog } from "../src/redis/index.js";

function logInto(lines: string[]): DroppedMessageLog {
  return new DroppedMessageLog(
    { ...silentLogger, warn: (line: string) => lines.push(line) },
    "bus",
  );
}

describe("DroppedMessageLog", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("logs the first drop at once and counts the next 9,999 into one line per 10 s", () => {
    const lines: string[] = [];
    const log = logInto(lines);
    log.record("malformed");
    expect(lines).toEqual([expect.stringContaining("bus: dropped a message (malformed)")]);
    for (let i = 0; i < 9_999; i++) log.record(i === 9_998 ? "too large" : "malformed");
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(DROPPED_MESSAGE_LOG_INTERVAL_MS - 1);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(
      "bus: dropped 9999 more message(s) since the last report (the last one: too large)",
    );
    log.close();
  });

  it("keeps to one line per interval while drops go on, and logs at once again after a quiet interval", () => {
    const lines: string[] = [];
    const log = logInto(lines);
    for (let second = 0; second < 30; second++) {
      log.record("malformed");
      vi.advanceTimersByTime(1_000);
    }
    // 30 s of one drop a second: the first line, then one count at 10, 20 and 30 s.
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).map((line) => /dropped (\d+) more/.exec(line)?.[1])).toEqual([
      "9",
      "10",
      "10",
    ]);
    vi.advanceTimersByTime(2 * DROPPED_MESSAGE_LOG_INTERVAL_MS);
    expect(lines).toHaveLength(4);
    log.record("malformed");
    expect(lines).toHaveLength(5);
    expect(lines[4]).toContain("dropped a message (malformed)");
    log.close();
  });

  it("close() reports the drops it still holds and stops its timer", () => {
    const lines: string[] = [];
    const log = logInto(lines);
    log.record("malformed");
    log.record("malformed");
    log.close();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("dropped 1 more message(s)");
    expect(vi.getTimerCount()).toBe(0);
  });
});
