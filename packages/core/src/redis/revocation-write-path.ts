/**
 * Where the revocation writes of `revocationReplicas` go: a dedicated write connection, so
 * the `WAIT` behind them blocks that connection only, never the reads and other writes of the
 * command connection. It is opened on the first revocation write (`openWriteConnection` of
 * the adapter: another connection like the command connection, one more socket per master on
 * a cluster), has a runner of its own (same deadline, readiness waits and error mapping), and
 * is closed with the backend. An adapter without `openWriteConnection` (or that returns
 * `undefined`) keeps them on the command connection, as before. Either way the writes are
 * group-committed: see `revocation-wait-batcher.ts`.
 */
import type { RedisCommandConnection } from "./redis-command-connection.js";
import { RedisCommandRunner } from "./redis-command-runner.js";
import type { ResolvedRevocationReplicas } from "./revocation-replicas.js";
import { RevocationWaitBatcher } from "./revocation-wait-batcher.js";

/** The dedicated connection, once opened, and what drives it. */
interface OpenedPath {
  readonly batcher: RevocationWaitBatcher;
  /** Unset when the writes share the command connection. */
  readonly dedicated:
    | { connection: RedisCommandConnection; runner: RedisCommandRunner }
    | undefined;
}

/** The revocation writes of one backend. */
export class RevocationWritePath {
  readonly #connection: RedisCommandConnection;
  readonly #runner: RedisCommandRunner;
  readonly #policy: ResolvedRevocationReplicas;
  readonly #owner: string;
  #opened: OpenedPath | undefined;
  #closing: Promise<void> | undefined;

  /** @param runner the command connection's runner (its deadline is the write's). */
  constructor(
    connection: RedisCommandConnection,
    runner: RedisCommandRunner,
    policy: ResolvedRevocationReplicas,
    owner: string,
  ) {
    this.#connection = connection;
    this.#runner = runner;
    this.#policy = policy;
    this.#owner = owner;
  }

  /**
   * Send the revocation write `argv` of `key` and `WAIT` for the replicas (batched with the
   * other revocation writes of its master). @throws ApiKeyCacheError as the batcher's `write`.
   */
  write(key: string, argv: string[]): Promise<void> {
    this.#opened ??= this.#open();
    return this.#opened.batcher.write(key, argv);
  }

  /** Close the dedicated connection (if one was opened). Idempotent, never rejects. */
  close(timeoutMs: number): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    const opened = this.#opened;
    opened?.batcher.close();
    const dedicated = opened?.dedicated;
    if (dedicated === undefined) {
      this.#closing = Promise.resolve();
    } else {
      dedicated.runner.close();
      this.#closing = dedicated.connection.close(true, timeoutMs).catch(() => {});
    }
    return this.#closing;
  }

  #open(): OpenedPath {
    const policy = this.#policy;
    const owner = this.#owner;
    let connection: RedisCommandConnection | undefined;
    try {
      connection = this.#connection.openWriteConnection?.();
    } catch {
      connection = undefined;
    }
    if (connection === undefined) {
      const batcher = new RevocationWaitBatcher(this.#runner, this.#connection, policy, owner);
      return { batcher, dedicated: undefined };
    }
    const runner = new RedisCommandRunner(connection, this.#runner.timeoutMs, owner);
    connection.requestConnect();
    const batcher = new RevocationWaitBatcher(runner, connection, policy, owner);
    return { batcher, dedicated: { connection, runner } };
  }
}
