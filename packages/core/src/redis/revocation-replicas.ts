/**
 * `revocationReplicas`: a revocation counts as written only once `replicas` replicas have it.
 * Redis replicates asynchronously, so a tombstone acknowledged by the master alone is lost if
 * that master fails before its replicas got it, and the promoted replica serves the revoked key
 * again. With this option the backend follows each revocation write (the tombstone `revoke`
 * stores, the delete of `invalidate`) with `WAIT replicas timeoutMs` on the same socket, so on
 * a cluster it reaches the node that took the write; fewer acknowledgements than `replicas`
 * fail the write with `E_BACKEND_UNAVAILABLE` (the resolver's revoke then fails and is retried
 * like any unacknowledged revoke). The tombstone stays on the master either way. The backend
 * sends them on a connection of their own, batched (`revocation-write-path.ts`,
 * `revocation-wait-batcher.ts`); `writeAcknowledgedByReplicas`, the one-write form, is deprecated.
 */
import { ApiKeyCacheError } from "../errors.js";
import type { RevocationReplicasOptions } from "../redis-driver.js";
import type { RedisCommandConnection } from "./redis-command-connection.js";
import type { RedisCommandRunner } from "./redis-command-runner.js";

export type { RevocationReplicasOptions };

/** {@link RevocationReplicasOptions} checked. */
export interface ResolvedRevocationReplicas {
  readonly replicas: number;
  readonly timeoutMs: number;
}

/**
 * Check `revocationReplicas` (`undefined`: off).
 * @throws ApiKeyCacheError `E_CONFIG` naming the field and why.
 */
export function resolveRevocationReplicas(
  value: unknown,
  commandTimeoutMs: number,
  owner: string,
): ResolvedRevocationReplicas | undefined {
  if (value === undefined) return undefined;
  const fail = (why: string): never => {
    throw new ApiKeyCacheError("E_CONFIG", `${owner}: revocationReplicas${why}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(
      ` must be an object { replicas, timeoutMs }, got ${value === null ? "null" : typeof value}`,
    );
  }
  const { replicas, timeoutMs } = value as Record<string, unknown>;
  if (typeof replicas !== "number" || !Number.isSafeInteger(replicas) || replicas < 1) {
    fail(`.replicas must be an integer >= 1, got ${String(replicas)}`);
  }
  if (typeof timeoutMs !== "number" || !Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    // WAIT 0 would block until the replicas answer, past any deadline.
    fail(`.timeoutMs must be an integer number of milliseconds >= 1, got ${String(timeoutMs)}`);
  }
  if ((timeoutMs as number) >= commandTimeoutMs) {
    fail(
      `.timeoutMs (${String(timeoutMs)}) must be below commandTimeoutMs (${commandTimeoutMs}): ` +
        "the write and the wait share that deadline",
    );
  }
  return { replicas: replicas as number, timeoutMs: timeoutMs as number };
}

/**
 * Send the write `argv` and `WAIT` right behind it, on the socket that serves `key`, within
 * the runner's deadline; resolve once `policy.replicas` replicas have acknowledged it.
 * @throws ApiKeyCacheError `E_BACKEND_UNAVAILABLE` when the write fails, the deadline passes,
 * or fewer replicas acknowledged it within `policy.timeoutMs`.
 * @deprecated The backends no longer call it: their revocation writes go on a connection
 * of their own, one `WAIT` per batch (`revocation-write-path.ts`). It still works and is to
 * be removed in the next major version.
 */
export async function writeAcknowledgedByReplicas(
  runner: RedisCommandRunner,
  connection: RedisCommandConnection,
  key: string,
  argv: string[],
  policy: ResolvedRevocationReplicas,
  owner: string,
): Promise<void> {
  const command = `${argv[0]}+WAIT`;
  const wait = waitCommand(policy);
  const send = (): Promise<readonly unknown[]> => sendInOrder(connection, key, [argv, wait]);
  const replies = await runner.bound(
    connection.isReady ? send() : runner.whenReady().then(send),
    command,
  );
  const shortfall = replicaShortfall(argv[0] as string, replies[1], policy, owner);
  if (shortfall !== undefined) throw shortfall;
}

/** The `WAIT` command of `policy`. */
export function waitCommand(policy: ResolvedRevocationReplicas): string[] {
  return ["WAIT", String(policy.replicas), String(policy.timeoutMs)];
}

/**
 * The error of a `command` (`SET`, `UNLINK`) whose `WAIT` replied `waitReply`, when fewer
 * replicas than `policy.replicas` acknowledged it; `undefined` when enough did.
 */
export function replicaShortfall(
  command: string,
  waitReply: unknown,
  policy: ResolvedRevocationReplicas,
  owner: string,
): ApiKeyCacheError | undefined {
  const acknowledged = Number(waitReply);
  if (acknowledged >= policy.replicas) return undefined;
  return new ApiKeyCacheError(
    "E_BACKEND_UNAVAILABLE",
    `${owner}: Redis ${command} reached ${Number.isFinite(acknowledged) ? acknowledged : 0} of the ${policy.replicas} replica(s) revocationReplicas asks for within ${policy.timeoutMs} ms; ` +
      "the master has it, but a failover could lose it: retry, and check the replicas (INFO replication)",
  );
}

/** Commands on one socket in order: the adapter's `sendInOrder`, else sends in one tick. */
export function sendInOrder(
  connection: RedisCommandConnection,
  key: string,
  commands: string[][],
): Promise<readonly unknown[]> {
  try {
    if (connection.sendInOrder !== undefined) return connection.sendInOrder(key, commands);
    return Promise.all(commands.map((argv) => connection.send(key, argv)));
  } catch (error) {
    return Promise.reject(error);
  }
}
