/**
 * Group commit of revocation writes (`revocationReplicas`): the writes queued for one master
 * (the server when standalone) leave together, in order on that master's socket, followed by
 * one `WAIT`, which counts every write before it on that connection; its reply acknowledges
 * them all. The tricky points:
 * - one batch in flight per master: a client blocked in `WAIT` has none of its later commands
 *   run until the wait ends, so writes arriving meanwhile are held here, not on the socket,
 *   and leave as the next batch (with its own `WAIT`) once the reply is in;
 * - deadlines: each caller is bounded by its own deadline, and a write still held here when
 *   its deadline has passed is never sent (its caller was told it failed); the batch itself is
 *   bounded too, so a socket that never answers cannot hold the next batches back forever;
 * - failure is per batch: a failed write or `WAIT` fails every write of the batch (a
 *   revocation write is idempotent: the caller retries it).
 */
import { ApiKeyCacheError } from "../errors.js";
import type { RedisCommandConnection } from "./redis-command-connection.js";
import type { RedisCommandRunner } from "./redis-command-runner.js";
import { clusterKeySlot } from "./redis-keyspace.js";
import { batchGrouping, type SlotMasterLookup } from "./redis-read-batcher.js";
import {
  type ResolvedRevocationReplicas,
  replicaShortfall,
  sendInOrder,
  waitCommand,
} from "./revocation-replicas.js";

/** Most writes in front of one `WAIT`; more wait for the next batch. */
export const MAX_REVOCATION_BATCH_SIZE = 512;

/** One revocation write held for its batch. */
interface QueuedWrite {
  readonly key: string;
  readonly argv: string[];
  /** `performance.now()` past which it is never sent. */
  readonly deadlineAt: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The writes of one master: those held, and whether a batch is on the wire. */
interface MasterQueue {
  held: QueuedWrite[];
  inFlight: boolean;
  scheduled: boolean;
}

/** Sends revocation writes in batches, each followed by one `WAIT`. */
export class RevocationWaitBatcher {
  readonly #runner: RedisCommandRunner;
  readonly #connection: RedisCommandConnection;
  readonly #policy: ResolvedRevocationReplicas;
  readonly #owner: string;
  readonly #isCluster: boolean;
  readonly #masterOf: SlotMasterLookup | undefined;
  readonly #queues = new Map<number | string, MasterQueue>();
  #closed = false;

  constructor(
    runner: RedisCommandRunner,
    connection: RedisCommandConnection,
    policy: ResolvedRevocationReplicas,
    owner: string,
  ) {
    this.#runner = runner;
    this.#connection = connection;
    this.#policy = policy;
    this.#owner = owner;
    const grouping = batchGrouping(connection);
    this.#isCluster = grouping !== false;
    this.#masterOf = typeof grouping === "function" ? grouping : undefined;
  }

  /**
   * Send the write `argv` of `key` with the next batch of its master; resolves once
   * `policy.replicas` replicas have acknowledged it, within the runner's deadline.
   * @throws ApiKeyCacheError `E_BACKEND_UNAVAILABLE` when the write fails, the deadline
   * passes, or fewer replicas acknowledged it within `policy.timeoutMs`.
   */
  write(key: string, argv: string[]): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const acknowledged = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const deadlineAt = performance.now() + this.#runner.timeoutMs;
    const group = this.#groupOf(key);
    let queue = this.#queues.get(group);
    if (queue === undefined) {
      queue = { held: [], inFlight: false, scheduled: false };
      this.#queues.set(group, queue);
    }
    queue.held.push({ key, argv, deadlineAt, resolve, reject });
    if (!queue.inFlight && !queue.scheduled) {
      queue.scheduled = true;
      const ready = queue;
      // End of the tick, as batched reads: the revokes of one tick share a WAIT.
      process.nextTick(() => {
        ready.scheduled = false;
        this.#flush(ready);
      });
    }
    return this.#runner.bound(acknowledged, `${argv[0]}+WAIT`);
  }

  /** Fail the held writes `E_CLOSED`; a batch in flight fails as its connection closes. */
  close(): void {
    this.#closed = true;
    for (const queue of this.#queues.values()) {
      for (const write of queue.held.splice(0)) write.reject(this.#closedError());
    }
  }

  #groupOf(key: string): number | string {
    if (!this.#isCluster) return 0;
    const slot = clusterKeySlot(key);
    return this.#masterOf?.(slot) ?? slot;
  }

  /** Send the held writes of `queue` unless a batch of it is in flight. */
  #flush(queue: MasterQueue): void {
    if (queue.inFlight || queue.held.length === 0) return;
    queue.inFlight = true;
    const batch = queue.held.splice(0, MAX_REVOCATION_BATCH_SIZE);
    void this.#send(batch).finally(() => {
      queue.inFlight = false;
      this.#flush(queue);
    });
  }

  /** One batch: its writes then `WAIT`, in order on one socket; settles every write of it. */
  async #send(batch: QueuedWrite[]): Promise<void> {
    const runner = this.#runner;
    const connection = this.#connection;
    let live = batch;
    try {
      const command = `${(batch[0] as QueuedWrite).argv[0]}+WAIT`;
      // Bounded: a wait for readiness that outlives its deadline would never settle.
      if (!connection.isReady) await runner.bound(runner.whenReady(), command);
      live = unexpired(batch);
      if (live.length === 0) return;
      const first = live[0] as QueuedWrite;
      const commands = live.map((write) => write.argv);
      commands.push(waitCommand(this.#policy));
      const replies = await runner.bound(sendInOrder(connection, first.key, commands), command);
      const waitReply = replies[replies.length - 1];
      for (const write of live) {
        const shortfall = replicaShortfall(
          write.argv[0] as string,
          waitReply,
          this.#policy,
          this.#owner,
        );
        if (shortfall === undefined) write.resolve();
        else write.reject(shortfall);
      }
    } catch (error) {
      for (const write of live) write.reject(error);
    }
  }

  #closedError(): ApiKeyCacheError {
    return new ApiKeyCacheError("E_CLOSED", `${this.#owner} is closed`);
  }
}

/** The writes whose deadline has not passed; the others are failed, never sent. */
function unexpired(batch: QueuedWrite[]): QueuedWrite[] {
  const now = performance.now();
  const live: QueuedWrite[] = [];
  for (const write of batch) {
    if (now < write.deadlineAt) live.push(write);
    else write.reject(new Error("its deadline passed before the revocation batch it waited for"));
  }
  return live;
}
