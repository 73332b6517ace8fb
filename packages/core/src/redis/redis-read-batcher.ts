/**
 * Batched reads: the `get` (or `getWithTtl`) calls of one tick leave as one command per batch,
 * at most `maxBatchSize` keys each: one batch when standalone, one per master on a cluster
 * (from the connection's slot→master map; per hash slot when the connection has none or does
 * not know the slot yet). The tricky points:
 * - no timer: a batch is cut at the end of the current tick (`process.nextTick`, which runs
 *   once the microtasks queued so far have drained), or as soon as it is full, so a lone
 *   caller waits for nothing but the rest of its own tick;
 * - ordering: a write is sent when it is called, a read at the end of its tick, so a read is
 *   never sent before a write issued earlier on the same connection (and a read issued before
 *   a write in the same tick may see the write: a newer value, never an older one);
 * - a stale map is never a wrong answer: the master's batch is routed by its first key, and a
 *   key that node does not serve is read again alone (see `redis-batched-reads`);
 * - deadlines: each caller is bounded by its own deadline (the runner's `bound`), so a batch
 *   whose reply is late fails every caller at its own deadline, exactly as a lone command.
 */
import type { RedisCommandConnection } from "./redis-command-connection.js";
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
   * Send `keys` (one key or more) and settle `callers[i]` with the reply for `keys[i]`. Must
   * settle every caller exactly once and never throw. `crossSlot`: the keys span several
   * hash slots of one cluster master (otherwise they share one slot, or the server is
   * standalone).
   */
  send(
    runner: RedisCommandRunner,
    keys: string[],
    callers: ReadCaller<R>[],
    crossSlot: boolean,
  ): void;
}

/** How the batcher groups the keys of a cluster: the master serving a slot now, if known. */
export type SlotMasterLookup = (slot: number) => string | undefined;

/** How `connection`'s reads are grouped: standalone, per slot, or per master (its lookup). */
export function batchGrouping(connection: RedisCommandConnection): boolean | SlotMasterLookup {
  if (!connection.isCluster) return false;
  if (connection.masterOfSlot === undefined) return true;
  return (slot) => connection.masterOfSlot?.(slot);
}

/** The keys and callers of one batch in the making. */
interface PendingBatch<R> {
  keys: string[];
  callers: ReadCaller<R>[];
  /** Hash slot of the first key (0 when standalone). */
  slot: number;
  crossSlot: boolean;
}

/** Collects the reads of a tick and sends them in batches. */
export class RedisReadBatcher<R> {
  readonly #runner: RedisCommandRunner;
  readonly #read: BatchedRead<R>;
  readonly #maxBatchSize: number;
  readonly #isCluster: boolean;
  readonly #masterOf: SlotMasterLookup | undefined;
  /**
   * The batches of this tick: one (key 0) when standalone; on a cluster one per master (keyed
   * by its name), or per slot (keyed by the number) where the master is not known.
   */
  readonly #batches = new Map<number | string, PendingBatch<R>>();
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    const batches = this.#batches;
    for (const batch of batches.values()) this.#send(batch);
    batches.clear();
  };

  /**
   * @param cluster `false` when standalone; on a cluster `true` (batches per slot) or the
   *   connection's slot→master lookup (batches per master).
   */
  constructor(
    runner: RedisCommandRunner,
    read: BatchedRead<R>,
    maxBatchSize: number,
    cluster: boolean | SlotMasterLookup,
  ) {
    this.#runner = runner;
    this.#read = read;
    this.#maxBatchSize = maxBatchSize;
    this.#isCluster = cluster !== false;
    this.#masterOf = typeof cluster === "function" ? cluster : undefined;
  }

  /** Read `key` with the batch of this tick, within the caller's own deadline. */
  read(key: string): Promise<R> {
    const call = this.#runner.open<R>(this.#read.command);
    this.#add(key, call);
    return call.promise;
  }

  #add(key: string, caller: ReadCaller<R>): void {
    const slot = this.#isCluster ? clusterKeySlot(key) : 0;
    const group = this.#masterOf?.(slot) ?? slot;
    let batch = this.#batches.get(group);
    if (batch === undefined) {
      batch = { keys: [], callers: [], slot, crossSlot: false };
      this.#batches.set(group, batch);
    } else if (slot !== batch.slot) {
      batch.crossSlot = true;
    }
    batch.keys.push(key);
    batch.callers.push(caller);
    if (batch.keys.length >= this.#maxBatchSize) {
      // Full: it goes now, and the next read of this group starts a new batch.
      this.#batches.delete(group);
      this.#send(batch);
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#flush);
    }
  }

  #send(batch: PendingBatch<R>): void {
    try {
      this.#read.send(this.#runner, batch.keys, batch.callers, batch.crossSlot);
    } catch (error) {
      for (const caller of batch.callers) caller.fail(error);
    }
  }
}
