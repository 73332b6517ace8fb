/**
 * Batched reads: the `get` (or `getWithTtl`) calls of one tick leave as one command per batch,
 * per hash slot on a cluster, at most `maxBatchSize` keys each. The tricky points:
 * - no timer: a batch is cut at the end of the current tick (`process.nextTick`, which runs
 *   once the microtasks queued so far have drained), or as soon as it is full, so a lone
 *   caller waits for nothing but the rest of its own tick;
 * - ordering: a write is sent when it is called, a read at the end of its tick, so a read is
 *   never sent before a write issued earlier on the same connection (and a read issued before
 *   a write in the same tick may see the write: a newer value, never an older one);
 * - deadlines: each caller is bounded by its own deadline (the runner's `bound`), so a batch
 *   whose reply is late fails every caller at its own deadline, exactly as a lone command.
 */
import type { RedisCommandRunner } from "./redis-command-runner.js";
import { clusterKeySlot } from "./redis-keyspace.js";

/** How one caller of a batch is settled. */
export interface ReadCaller<R> {
  settle(reply: R): void;
  fail(error: unknown): void;
}

/** A read that can be sent for many keys at once (see `redis-batched-reads`). */
export interface BatchedRead<R> {
  /** The command named in errors, e.g. `"GET"`. */
  readonly command: string;
  /**
   * Send `keys` (all in one hash slot on a cluster; one key or more) and settle `callers[i]`
   * with the reply for `keys[i]`. Must settle every caller exactly once and never throw.
   */
  send(runner: RedisCommandRunner, keys: string[], callers: ReadCaller<R>[]): void;
}

/** The keys and callers of one batch in the making. */
interface PendingBatch<R> {
  keys: string[];
  callers: ReadCaller<R>[];
}

/** Collects the reads of a tick and sends them in batches. */
export class RedisReadBatcher<R> {
  readonly #runner: RedisCommandRunner;
  readonly #read: BatchedRead<R>;
  readonly #maxBatchSize: number;
  readonly #isCluster: boolean;
  /** The batches of this tick: one (slot 0) when standalone, one per slot on a cluster. */
  readonly #batches = new Map<number, PendingBatch<R>>();
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    const batches = this.#batches;
    for (const batch of batches.values()) this.#send(batch);
    batches.clear();
  };

  constructor(
    runner: RedisCommandRunner,
    read: BatchedRead<R>,
    maxBatchSize: number,
    isCluster: boolean,
  ) {
    this.#runner = runner;
    this.#read = read;
    this.#maxBatchSize = maxBatchSize;
    this.#isCluster = isCluster;
  }

  /** Read `key` with the batch of this tick, within the caller's own deadline. */
  read(key: string): Promise<R> {
    const call = this.#runner.open<R>(this.#read.command);
    this.#add(key, call);
    return call.promise;
  }

  #add(key: string, caller: ReadCaller<R>): void {
    const slot = this.#isCluster ? clusterKeySlot(key) : 0;
    let batch = this.#batches.get(slot);
    if (batch === undefined) {
      batch = { keys: [], callers: [] };
      this.#batches.set(slot, batch);
    }
    batch.keys.push(key);
    batch.callers.push(caller);
    if (batch.keys.length >= this.#maxBatchSize) {
      // Full: it goes now, and the next read of this slot starts a new batch.
      this.#batches.delete(slot);
      this.#send(batch);
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#flush);
    }
  }

  #send(batch: PendingBatch<R>): void {
    try {
      this.#read.send(this.#runner, batch.keys, batch.callers);
    } catch (error) {
      for (const caller of batch.callers) caller.fail(error);
    }
  }
}
