/** `DeadlineQueue.open`: calls settled by hand (batched reads) keep the deadline of `run`. */
import { describe, expect, it } from "vitest";
import { DeadlineQueue } from "../src/redis/deadline-queue.js";

class LateError extends Error {}

describe("DeadlineQueue.open", () => {
  it("settles with the first of settle and fail, mapping the error", async () => {
    const queue = new DeadlineQueue(1000, () => new LateError());
    const settled = queue.open<number>();
    settled.settle(1);
    settled.fail(new Error("ignored"));
    settled.settle(2);
    await expect(settled.promise).resolves.toBe(1);

    const failed = queue.open<number>((error) => new TypeError(`mapped ${String(error)}`));
    failed.fail("boom");
    failed.settle(3);
    await expect(failed.promise).rejects.toThrow(new TypeError("mapped boom"));
    expect(queue.pendingCount).toBe(0);
    expect(queue.queuedCount).toBe(0);
  });

  it("rejects an unsettled call at its own deadline, through the mapper, and ignores a late settle", async () => {
    const queue = new DeadlineQueue(60, (ms) => new LateError(`late after ${ms}`));
    const first = queue.open<string>((error) => new RangeError(String(error)));
    const firstAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = queue.open<string>();
    const secondAt = performance.now();
    const [firstError, secondError] = await Promise.all([
      first.promise.then(
        () => undefined,
        (error: unknown) => ({ error, ms: performance.now() - firstAt }),
      ),
      second.promise.then(
        () => undefined,
        (error: unknown) => ({ error, ms: performance.now() - secondAt }),
      ),
    ]);
    expect(firstError?.error).toBeInstanceOf(RangeError);
    expect(String(firstError?.error)).toContain("late after 60");
    expect(secondError?.error).toBeInstanceOf(LateError);
    for (const outcome of [firstError, secondError]) {
      expect(outcome?.ms).toBeGreaterThanOrEqual(55);
    }
    first.settle("too late");
    second.settle("too late");
    expect(queue.pendingCount).toBe(0);
    expect(queue.queuedCount).toBe(0);
  });

  it("shares the queue with run: settled calls are trimmed in any order", async () => {
    const queue = new DeadlineQueue(1000, () => new LateError());
    const calls = Array.from({ length: 5 }, () => queue.open<number>());
    const ran = queue.run(Promise.resolve(99));
    expect(queue.pendingCount).toBe(6);
    for (const [index, call] of [...calls.entries()].reverse()) call.settle(index);
    await expect(Promise.all(calls.map((call) => call.promise))).resolves.toEqual([0, 1, 2, 3, 4]);
    await expect(ran).resolves.toBe(99);
    expect(queue.pendingCount).toBe(0);
    expect(queue.queuedCount).toBe(0);
  });
});
