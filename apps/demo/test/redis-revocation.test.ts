/**
 * Revocation across worker processes with a shared Redis keyspace, over both clients: the redis
 * backend rejects on every worker's next request; the tiered backend once the bus delivered.
 */
import { type RedisServerHandle, startRedisServer } from "@apikey/redis-test-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoProcess } from "../src/demo-process.js";
import { sendRequest } from "../src/http-client.js";
import { warmEveryWorker, watchRevocation, whoami } from "../src/revocation-probe.js";
import { createKey, isRunning, revokeKey, tempDataDir, waitFor } from "./helpers.js";

/** Bus delivery takes milliseconds; the cap is generous for a loaded machine. */
const TIERED_CAP_MS = 2_000;

const CASES = [
  ["redis", "ioredis"],
  ["tiered", "ioredis"],
  ["redis", "node-redis"],
  ["tiered", "node-redis"],
] as const;

// One after the other: run side by side on two cores they only slow each other's start-up.
describe("revocation with a shared Redis", () => {
  let redis: RedisServerHandle;

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it.for(CASES)(
    "%s over %s: a revoked key is rejected by every worker",
    // Three processes start per case; on a loaded two-core machine that can take a while.
    { timeout: 90_000 },
    async ([backend, client], { expect }) => {
      const dataDir = tempDataDir();
      const demo = await startDemoProcess({
        env: {
          DATA_DIR: dataDir.path,
          WORKERS: "2",
          APIKEY_CACHE_BACKEND: backend,
          APIKEY_REDIS_CLIENT: client,
          REDIS_URL: redis.url,
          APIKEY_REDIS_KEY_PREFIX: `demo-test:${backend}:${client}:`,
          // Longer than the test, so only the revocation can end acceptance.
          APIKEY_CACHE_TTL_SECONDS: "300",
          APIKEY_LOCAL_TTL_SECONDS: "30",
        },
      });
      try {
        const admin = demo.adminKey ?? "";
        const health = await sendRequest(`${demo.url}/healthz`);
        expect(health.json).toMatchObject({
          status: "ok",
          cache: { backend, client, reachable: true },
        });
        if (backend === "redis") {
          expect(health.json).toMatchObject({ cache: { l1Enabled: null } });
        } else {
          // L1 is on in every worker once its subscription is confirmed (new connection each).
          const on = new Set<number>();
          for (let i = 0; i < 100 && on.size < demo.workerPids.length; i += 1) {
            const reply = await sendRequest(`${demo.url}/healthz`);
            if ((reply.json as { cache: { l1Enabled: unknown } }).cache.l1Enabled === true) {
              if (reply.workerPid !== undefined) on.add(reply.workerPid);
            }
          }
          expect([...on].sort()).toEqual([...demo.workerPids].sort());
        }

        const { id, key } = await createKey(demo.url, admin);
        const warmed = await warmEveryWorker(demo.url, key, demo.workerPids);
        expect([...warmed].sort()).toEqual([...demo.workerPids].sort());

        await revokeKey(demo.url, admin, id);
        const seen = await watchRevocation(demo.url, key, demo.workerPids, TIERED_CAP_MS);
        expect(seen.convergedMs).toBeDefined();
        if (backend === "redis") {
          // The shared keyspace holds the tombstone: no worker accepts even once more.
          expect(seen.accepted).toBe(0);
          for (const pid of demo.workerPids) expect(seen.firstReplyByWorker.get(pid)).toBe(401);
        }
        expect((await whoami(demo.url, key)).status).toBe(401);
        expect(await demo.stop()).toEqual({ code: 0, signal: null });
      } finally {
        await demo.stop("SIGKILL");
        dataDir.remove();
      }
    },
  );
});

describe("graceful shutdown", () => {
  let redis: RedisServerHandle;

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("finishes a request in flight on SIGTERM, then exits 0 with no worker left", async () => {
    const dataDir = tempDataDir();
    const demo = await startDemoProcess({
      env: {
        DATA_DIR: dataDir.path,
        WORKERS: "2",
        APIKEY_CACHE_BACKEND: "tiered",
        REDIS_URL: redis.url,
        APIKEY_REDIS_KEY_PREFIX: "demo-test:shutdown:",
        // revoke({ wait: true }) holds the DELETE open for the local TTL after the tombstone.
        APIKEY_REVOKE_WAIT: "on",
        APIKEY_LOCAL_TTL_SECONDS: "2",
      },
    });
    try {
      const admin = demo.adminKey ?? "";
      const { id, key } = await createKey(demo.url, admin);
      const deleting = sendRequest(`${demo.url}/admin/keys/${id}`, {
        method: "DELETE",
        headers: { "x-api-key": admin },
      });
      // The tombstone is written before the wait starts: once whoami says 401, the DELETE is
      // in flight, waiting.
      let rejected = false;
      for (let i = 0; i < 200 && !rejected; i += 1) {
        rejected = (await whoami(demo.url, key)).status === 401;
      }
      expect(rejected).toBe(true);
      const exit = demo.stop("SIGTERM");
      const response = await deleting;
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ id, waited: true });
      expect(await exit).toEqual({ code: 0, signal: null });
      expect(await waitFor(() => demo.workerPids.every((pid) => !isRunning(pid)), 5_000)).toBe(
        true,
      );
    } finally {
      await demo.stop("SIGKILL");
      dataDir.remove();
    }
  });
});

describe("Redis down", () => {
  let redis: RedisServerHandle;

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("keeps authenticating from the database, refuses to confirm a revoke, and recovers", async () => {
    const dataDir = tempDataDir();
    const demo = await startDemoProcess({
      env: {
        DATA_DIR: dataDir.path,
        WORKERS: "1",
        APIKEY_CACHE_BACKEND: "redis",
        REDIS_URL: redis.url,
        APIKEY_REDIS_KEY_PREFIX: "demo-test:outage:",
      },
    });
    try {
      const admin = demo.adminKey ?? "";
      const { id, key } = await createKey(demo.url, admin);
      await redis.kill();

      expect((await whoami(demo.url, key)).status).toBe(200);
      const health = await sendRequest(`${demo.url}/healthz`);
      expect(health.status).toBe(200);
      expect(health.json).toMatchObject({ status: "degraded", cache: { reachable: false } });
      const refused = await sendRequest(`${demo.url}/admin/keys/${id}`, {
        method: "DELETE",
        headers: { "x-api-key": admin },
      });
      expect(refused.status).toBe(503);
      expect(refused.json).toMatchObject({ error: "cache_unavailable" });

      await redis.restart();
      // The database already says revoked; the retried DELETE writes the tombstone.
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i += 1) {
        status = (
          await sendRequest(`${demo.url}/admin/keys/${id}`, {
            method: "DELETE",
            headers: { "x-api-key": admin },
          })
        ).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(status).toBe(200);
      expect((await whoami(demo.url, key)).status).toBe(401);
    } finally {
      await demo.stop("SIGKILL");
      dataDir.remove();
    }
  });
});
