/**
 * The bounds of the `CLUSTERDOWN` retry, on the clock of vitest's fake timers (a real cluster's
 * failover is checked by `describeRedisClusterFailoverLiveMasters` in the conformance suite):
 * no retry goes out later than one retry delay before the call's deadline, other errors and
 * calls that waited for readiness are not retried, and `stop()` ends the retries.
 */
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ClusterDownRetry,
  isClusterDownError,
  NODE_REDIS_CLUSTER_DOWN_RETRY_MS,
} from "../src/node-redis-cluster-down-retry.js";

const DEADLINE_MS = 1_000;
const clusterDown = (): Error => new Error("CLUSTERDOWN The cluster is down");

/** An attempt that answers `replies` in turn (an Error rejects), noting when each was sent. */
function scripted(replies: (Error | string)[]) {
  const sentAt: number[] = [];
  const attempt = (): Promise<string> => {
    sentAt.push(performance.now());
    const reply = replies[Math.min(sentAt.length - 1, replies.length - 1)] as Error | string;
    return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
  };
  return { attempt, sentAt };
}

describe("ClusterDownRetry", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("tells Redis's CLUSTERDOWN reply from other errors", () => {
    expect(isClusterDownError(clusterDown())).toBe(true);
    expect(isClusterDownError(new Error("MOVED 3999 127.0.0.1:6381"))).toBe(false);
    expect(isClusterDownError("CLUSTERDOWN")).toBe(false);
  });

  it("sends a refused command again every retry delay until it is served", async () => {
    const retry = new ClusterDownRetry(new EventEmitter(), DEADLINE_MS);
    const { attempt, sentAt } = scripted([clusterDown(), clusterDown(), "OK"]);
    const result = retry.run(attempt);
    await vi.advanceTimersByTimeAsync(2 * NODE_REDIS_CLUSTER_DOWN_RETRY_MS);
    await expect(result).resolves.toBe("OK");
    const [first = 0] = sentAt;
    expect(sentAt.map((at) => at - first)).toEqual([
      0,
      NODE_REDIS_CLUSTER_DOWN_RETRY_MS,
      2 * NODE_REDIS_CLUSTER_DOWN_RETRY_MS,
    ]);
  });

  it("sends no retry later than one retry delay before the deadline, then rejects with CLUSTERDOWN", async () => {
    const retry = new ClusterDownRetry(new EventEmitter(), DEADLINE_MS);
    const { attempt, sentAt } = scripted([clusterDown()]);
    const result = retry.run(attempt);
    const settled = result.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(2 * DEADLINE_MS);
    expect(isClusterDownError(await settled)).toBe(true);
    const first = sentAt[0] as number;
    const last = sentAt.at(-1) as number;
    expect(last - first).toBeLessThanOrEqual(DEADLINE_MS - NODE_REDIS_CLUSTER_DOWN_RETRY_MS);
    // Every retry slot before that bound was used: 1 + (1000 - 100) / 100 attempts.
    expect(sentAt).toHaveLength(1 + (DEADLINE_MS - NODE_REDIS_CLUSTER_DOWN_RETRY_MS) / 100);
  });

  it("does not retry another error", async () => {
    const retry = new ClusterDownRetry(new EventEmitter(), DEADLINE_MS);
    const { attempt, sentAt } = scripted([new Error("MOVED 3999 127.0.0.1:6381")]);
    await expect(retry.run(attempt)).rejects.toThrow(/^MOVED/);
    await vi.advanceTimersByTimeAsync(DEADLINE_MS);
    expect(sentAt).toHaveLength(1);
  });

  it("does not retry a call sent in the turn the cluster became ready (it may have waited), and retries later ones", async () => {
    const cluster = new EventEmitter();
    const retry = new ClusterDownRetry(cluster, DEADLINE_MS);
    cluster.emit("connect");
    const waited = scripted([clusterDown(), "OK"]);
    await expect(retry.run(waited.attempt)).rejects.toThrow(/^CLUSTERDOWN/);
    expect(waited.sentAt).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(0);
    const later = scripted([clusterDown(), "OK"]);
    const result = retry.run(later.attempt);
    await vi.advanceTimersByTimeAsync(NODE_REDIS_CLUSTER_DOWN_RETRY_MS);
    await expect(result).resolves.toBe("OK");
    expect(later.sentAt).toHaveLength(2);
  });

  it("stop() ends a waiting retry with the CLUSTERDOWN error and stops following the cluster", async () => {
    const cluster = new EventEmitter();
    const retry = new ClusterDownRetry(cluster, DEADLINE_MS);
    const { attempt, sentAt } = scripted([clusterDown(), "OK"]);
    const result = retry.run(attempt);
    const settled = result.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(NODE_REDIS_CLUSTER_DOWN_RETRY_MS / 2);
    retry.stop();
    await vi.advanceTimersByTimeAsync(DEADLINE_MS);
    expect(isClusterDownError(await settled)).toBe(true);
    expect(sentAt).toHaveLength(1);
    expect(cluster.listenerCount("connect")).toBe(0);
  });
});
