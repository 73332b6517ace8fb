import { describe, expect, it } from "vitest";
import { DeadlineQueue } from "../src/redis/deadline-queue.js";

class LateError extends Error {}

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(e: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("DeadlineQueue", () => {
  it("passes a result or an error through, and maps errors when asked", async () => {
    const queue = new DeadlineQueue(1000, () => new LateError());
    await expect(queue.run(Promise.resolve(42))).resolves.toBe(42);
    await expect(queue.run(Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(
      queue.run(
        Promise.reject(new Error("boom")),
        (e) => new TypeError(`mapped ${(e as Error).message}`),
      ),
    ).rejects.toThrow(TypeError);
  });

  it("rejects with the timeout error once the deadline passes, and ignores the late result", async () => {
    const queue = new DeadlineQueue(50, (ms) => new LateError(`late after ${ms}`));
    const work = deferred<string>();
    const started = performance.now();
    await expect(queue.run(work.promise)).rejects.toThrow(LateError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    work.resolve("too late");
    expect(queue.pendingCount).toBe(0);
    expect(queue.queuedCount).toBe(0);
  });

  it("expires a burst in order and keeps later calls alive", async () => {
    const queue = new DeadlineQueue(80, () => new LateError());
    const stuck = Array.from({ length: 100 }, () => queue.run(new Promise<never>(() => {})));
    await new Promise((resolve) => setTimeout(resolve, 40));
    const later = deferred<number>();
    const laterCall = queue.run(later.promise);
    const outcomes = await Promise.allSettled(stuck);
    expect(outcomes.every((o) => o.status === "rejected" && o.reason instanceof LateError)).toBe(
      true,
    );
    later.resolve(7);
    await expect(laterCall).resolves.toBe(7);
  });

  it("holds no settled call: the queue drains as calls settle, in or out of order", async () => {
    const queue = new DeadlineQueue(10_000, () => new LateError());
    const works = Array.from({ length: 5000 }, () => deferred<number>());
    const calls = works.map((w) => queue.run(w.promise));
    expect(queue.pendingCount).toBe(5000);
    // Settle the second half first, then the first half.
    for (let i = 2500; i < 5000; i++) works[i]?.resolve(i);
    for (let i = 0; i < 2500; i++) works[i]?.resolve(i);
    const results = await Promise.all(calls);
    expect(results[4999]).toBe(4999);
    expect(queue.pendingCount).toBe(0);
    expect(queue.queuedCount).toBe(0);
  });

  it("refuses a timeout that is not a positive number", () => {
    expect(() => new DeadlineQueue(0, () => new LateError())).toThrow(RangeError);
    expect(() => new DeadlineQueue(Number.NaN, () => new LateError())).toThrow(RangeError);
  });
});
