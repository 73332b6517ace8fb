/**
 * After a failover: which acknowledged tombstones the new master does not hold. Redis
 * replication is asynchronous, so a killed master takes with it what it acknowledged but had
 * not yet sent to its replica; docs/architecture.md documents that window ("During a cluster
 * failover": the window is the replication lag unless `revocationReplicas` makes revocation
 * writes wait for replicas; the backends here run without it) and what follows from it (the
 * revocation guarantee's "Not covered": a record then stored or still held is served for at
 * most `ttlSeconds`). The store is read through a plain Redis backend (no L1) with the
 * run's prefix, after the traffic stopped; every tombstone outlives the run (`ttlSeconds` 60).
 */
import {
  buildApiKeyCacheBackend,
  isRevokedMarker,
  type RedisDriver,
  silentLogger,
} from "@apikey/core";
import { sleep } from "./sleep.js";
import type { TrafficResult } from "./traffic.js";

/** Replies of commands the dead master answered may still be on their way when `kill()` returns. */
const KILL_SETTLE_MS = 50;
const READ_ATTEMPTS = 10;
const READ_DEADLINE_MS = 500;
const READ_RETRY_MS = 100;

export interface LostTombstones {
  /** Revokes that returned, whose tombstone was looked for. */
  readonly checked: number;
  /** Hashes whose acknowledged tombstone the store no longer holds. */
  readonly lost: ReadonlySet<string>;
  /** Of `lost`, acknowledged before the kill (the documented window). */
  readonly lostBeforeKill: number;
  /** Of `lost`, acknowledged after the kill: outside every documented bound. */
  readonly lostAfterKill: number;
  /** Keys the store never answered for (each read retried, bounded). */
  readonly unreadable: number;
}

export interface LostTombstoneOptions {
  /** A URL of the topology after the failover (a live node of a cluster). */
  readonly redisUrl: string;
  readonly cluster: boolean;
  readonly keyPrefix: string;
  readonly driver: RedisDriver;
  /** When each revoke returned (`performance.now()`), by hash. */
  readonly revokes: ReadonlyMap<string, number>;
  /** When `kill()` of the old master returned (`performance.now()`). */
  readonly killedAt: number;
}

export async function findLostTombstones(options: LostTombstoneOptions): Promise<LostTombstones> {
  const reader = buildApiKeyCacheBackend({
    backend: "redis",
    redisUrl: options.redisUrl,
    redisKeyPrefix: options.keyPrefix,
    redis: options.driver,
    cluster: options.cluster,
    commandTimeoutMs: READ_DEADLINE_MS,
    onMissingRedisUrl: "throw",
    logger: silentLogger,
  });
  try {
    const lost = new Set<string>();
    let lostBeforeKill = 0;
    let lostAfterKill = 0;
    let unreadable = 0;
    await Promise.all(
      [...options.revokes].map(async ([hash, returnedAt]) => {
        for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
          try {
            if (isRevokedMarker(await reader.get(hash))) return;
            lost.add(hash);
            if (returnedAt <= options.killedAt + KILL_SETTLE_MS) lostBeforeKill++;
            else lostAfterKill++;
            return;
          } catch {
            await sleep(READ_RETRY_MS);
          }
        }
        unreadable++;
      }),
    );
    return { checked: options.revokes.size, lost, lostBeforeKill, lostAfterKill, unreadable };
  } finally {
    await reader.close();
  }
}

/**
 * Move the acceptances of keys whose tombstone the failover lost out of `revokedAccepted`
 * into their own figure; every other acceptance still counts.
 */
export function withLostTombstoneBound(
  row: TrafficResult,
  lost: ReadonlySet<string>,
): TrafficResult {
  let excused = 0;
  for (const [hash, times] of row.revokedAcceptedByHash ?? []) if (lost.has(hash)) excused += times;
  return {
    ...row,
    revokedAccepted: row.revokedAccepted - excused,
    revokedAcceptedLostTombstone: excused,
  };
}
