/**
 * A master and one replica (`replicaof`) on free loopback ports, for benchmarks of writes that
 * wait for replication (`revocationReplicas`). Ready once the master counts the replica as
 * connected and the replica reports its link up, polled every 50 ms within a deadline.
 */
import { type RedisServerHandle, redisCommand, startRedisServer } from "@apikey/redis-test-server";

const SYNC_TIMEOUT_MS = 15_000;
const POLL_MS = 50;

/** A running master with one synced replica; `stop()` stops both. */
export interface RedisReplicaPair {
  master: RedisServerHandle;
  replica: RedisServerHandle;
  stop(): Promise<void>;
}

/** Start a master, then a replica of it, and wait until the replica has synced. */
export async function startRedisReplicaPair(): Promise<RedisReplicaPair> {
  // Diskless sync without its default 5 s delay: the replica is up in milliseconds.
  const master = await startRedisServer({
    config: ["repl-diskless-sync yes", "repl-diskless-sync-delay 0"],
  });
  let replica: RedisServerHandle | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all([replica?.stop(), master.stop()]);
  };
  try {
    replica = await startRedisServer({ config: [`replicaof ${master.host} ${master.port}`] });
    await waitForReplicaLink(master, replica);
    return { master, replica, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `INFO replication` on both sides until the link is up, within {@link SYNC_TIMEOUT_MS}. */
async function waitForReplicaLink(
  master: RedisServerHandle,
  replica: RedisServerHandle,
): Promise<void> {
  const deadline = Date.now() + SYNC_TIMEOUT_MS;
  for (;;) {
    const [onMaster, onReplica] = await Promise.all([
      redisCommand(master.url, "INFO", "replication"),
      redisCommand(replica.url, "INFO", "replication"),
    ]);
    if (
      /connected_slaves:1\b/.test(String(onMaster)) &&
      /master_link_status:up\b/.test(String(onReplica))
    ) {
      return;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `the replica did not sync within ${SYNC_TIMEOUT_MS} ms: ${String(onReplica)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
