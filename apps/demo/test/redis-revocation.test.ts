/**
 * Revocation across worker processes with a shared Redis keyspace, over both clients: the redis
 * backend rejects on every worker's next request; the tiered backend once the bus delivered.
 */
import { type RedisServerHandle, startRedisServer } from "@apikey/conformance/redis";
import { afterAll, beforeAll, describe, it } from "vitest";
import { startDemoProcess } from "../src/demo-process.js";
import { sendRequest } from "../src/http-client.js";
import { warmEveryWorker, watchRevocation, whoami } from "../src/revocation-probe.js";
import { createKey, revokeKey, tempDataDir } from "./helpers.js";

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
    // Three processes start per case; on a loaded two-core machine that can take a while.
    90_000,
  );
});
