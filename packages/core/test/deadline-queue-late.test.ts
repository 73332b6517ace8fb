import { describe, expect, it } from "vitest";
import { DeadlineQueue } from "../src/redis/deadline-queue.js";

class TimeoutError extends Error {
  constructor(readonly lateByMs: number) {
    super(`timed out (late by ${lateByMs} ms)`);
  }
}

/** Block the event loop for `ms`, as a GC pause or a synchronous burst elsewhere would. */
function stall(ms: number): void {
  const end = performance.now() + ms;
  let spins = 0;
  while (performance.now() < end) spins++;
  expect(spins).toBeGreaterThan(0);
}

const never = (): Promise<never> => new Promise<never>(() => {});

describe("DeadlineQueue: deadlines observed late", () => {
  it("a deadline observed on time gives lateByMs 0", async () => {
    const queue = new DeadlineQueue(30, (_ms, lateByMs) => new TimeoutError(lateByMs));
    const error = await queue.run(never()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).lateByMs).toBe(0);
  });

  it("a deadline that fires 150 ms late because the loop was blocked says how late", async () => {
    const queue = new DeadlineQueue(50, (_ms, lateByMs) => new TimeoutError(lateByMs));
    const calls = Array.from({ length: 50 }, () => queue.run(never()).catch((e: unknown) => e));
    stall(200);
    const errors = await Promise.all(calls);
    for (const error of errors) {
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as TimeoutError).lateByMs).toBeGreaterThanOrEqual(140);
    }
    expect(queue.pendingCount).toBe(0);
  });

  it("a reply that arrived during the stall wins over the late deadline", async () => {
    const queue = new DeadlineQueue(50, (_ms, lateByMs) => new TimeoutError(lateByMs));
    // The reply's timer falls due after the deadline's but during the stall, as a Redis reply
    // sitting unread in the socket would: both fire in the first loop turn after the stall.
    const reply = new Promise<string>((resolve) => setTimeout(() => resolve("answered"), 80));
    const call = queue.run(reply);
    stall(150);
    await expect(call).resolves.toBe("answered");
  });

  it("lateAfterMs defaults to max(20, timeoutMs / 4) and can be set", () => {
    const make = (_ms: number, lateByMs: number): Error => new TimeoutError(lateByMs);
    expect(new DeadlineQueue(40, make).lateAfterMs).toBe(20);
    expect(new DeadlineQueue(1000, make).lateAfterMs).toBe(250);
    expect(new DeadlineQueue(100, make, { lateAfterMs: 5 }).lateAfterMs).toBe(5);
    expect(() => new DeadlineQueue(100, make, { lateAfterMs: 0 })).toThrow(RangeError);
  });
});
