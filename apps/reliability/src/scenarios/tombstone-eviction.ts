/**
 * `maxmemory` with `allkeys-lru`: junk written under another prefix evicts entries, tombstones
 * included, while revocations flow. A lost tombstone shortens how long the revocation is held
 * in the cache; the guarantee's precondition (the database already shows the key revoked)
 * means a resolve that misses loads the revoked record, so no revoked key may be accepted.
 */
import { RespConnection, redisCommand, startRedisServer } from "@apikey/redis-test-server";
import { fillKeys } from "../redis-fill.js";
import { runWithFault, type Scenario } from "../scenario.js";
import type { TrafficRun } from "../traffic.js";

const MAXMEMORY = "8mb";

async function lostTombstones(
  url: string,
  runs: readonly TrafficRun[],
): Promise<{ lost: number; total: number }> {
  const connection = await RespConnection.open(url, { timeoutMs: 5_000 });
  let lost = 0;
  let total = 0;
  try {
    for (const run of runs) {
      for (const hash of run.revokedHashes()) {
        total++;
        const exists = await connection.command(["EXISTS", `${run.subject.keyPrefix}${hash}`]);
        if (exists === 0) lost++;
      }
    }
  } finally {
    connection.close();
  }
  return { lost, total };
}

export const tombstoneEvictionScenario: Scenario = {
  name: "maxmemory-eviction",
  description: `maxmemory ${MAXMEMORY} with allkeys-lru; junk under another prefix evicts entries and tombstones during the fault time`,
  async run(profile) {
    const server = await startRedisServer({
      config: [`maxmemory ${MAXMEMORY}`, "maxmemory-policy allkeys-lru"],
    });
    try {
      let tombstones = { lost: 0, total: 0 };
      let evicted = "0";
      const rows = await runWithFault({
        profile,
        kinds: ["redis-ioredis", "redis-node"],
        redisUrl: server.url,
        tag: "evict",
        fault: async (faultEnded, runs) => {
          // About three times maxmemory of junk, in one burst.
          await fillKeys(server, "junk:", 24_000, 1_000);
          tombstones = await lostTombstones(server.url, runs);
          const info = String(await redisCommand(server, "INFO", "stats"));
          evicted = /evicted_keys:(\d+)/.exec(info)?.[1] ?? "?";
          faultEnded();
        },
      });
      return {
        rows,
        checks: [],
        notes: [
          `keys evicted by Redis: ${evicted}; tombstones gone (evicted) right after the burst: ${tombstones.lost} of ${tombstones.total} revoked keys`,
          "the guarantee then means: an evicted tombstone no longer answers for the revoked key; the next resolve misses and loads from the database, which shows the key revoked (the precondition), so it is still refused. What eviction costs is a database load per lost tombstone, not an accepted revoked key. Without the precondition (a database replica lagging the revoke) a lost tombstone would be a window.",
        ],
      };
    } finally {
      await server.stop();
    }
  },
};
