/**
 * Client-independent call deadlines at the cost of one queue entry per call. All calls of a
 * queue share one timeout, so deadlines expire in insertion order and one timer, armed for
 * the oldest pending call, serves them all (a per-call timer or AbortSignal costs far more).
 * The tricky point is memory: a settled call must not stay referenced until its deadline, or
 * every result of the last `timeoutMs` is kept alive and promoted to the old generation; so a
 * settled call drops its callback at once and settled calls are trimmed from the queue's head.
 * A timer that fires well past a deadline means the event loop was blocked (a GC pause, a
 * synchronous burst): the reply may be sitting unread in a socket, so such calls get one more
 * turn of I/O before they are rejected, and their error is told `lateByMs` so callers can tell
 * a blocked loop from a slow store.
 */

interface PendingCall {
  readonly deadline: number;
  /** Cleared once the call has settled, either way. */
  reject: ((error: unknown) => void) | undefined;
  readonly mapError: ((error: unknown) => unknown) | undefined;
}

/**
 * A call of {@link DeadlineQueue.open}, settled by hand: `promise` settles with the first of
 * `settle`, `fail` or the deadline; later ones are ignored.
 */
export interface DeadlineCall<T> {
  readonly promise: Promise<T>;
  settle(value: T): void;
  fail(error: unknown): void;
}

/** A {@link DeadlineCall} as the queue holds it: methods on a prototype, no closure per call. */
class OpenCall<T> implements PendingCall, DeadlineCall<T> {
  readonly promise: Promise<T>;
  readonly deadline: number;
  reject: ((error: unknown) => void) | undefined;
  readonly mapError: ((error: unknown) => unknown) | undefined;
  #resolve!: (value: T) => void;
  readonly #onSettled: () => void;

  constructor(
    deadline: number,
    mapError: ((error: unknown) => unknown) | undefined,
    onSettled: () => void,
  ) {
    this.deadline = deadline;
    this.mapError = mapError;
    this.#onSettled = onSettled;
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.reject = reject;
    });
  }

  settle(value: T): void {
    if (this.reject === undefined) return;
    this.reject = undefined;
    this.#onSettled();
    this.#resolve(value);
  }

  fail(error: unknown): void {
    const reject = this.reject;
    if (reject === undefined) return;
    this.reject = undefined;
    this.#onSettled();
    const mapError = this.mapError;
    reject(mapError === undefined ? error : mapError(error));
  }
}

/** Queues shorter than this are never compacted (the head index just moves on). */
const COMPACT_MIN_HEAD = 1024;

/**
 * Builds the error of a call that missed its deadline. `lateByMs` is 0 when the deadline was
 * observed on time, else how long after it the timer fired (at least the queue's `lateAfterMs`):
 * the event loop was blocked, so the deadline says nothing about the store.
 */
export type DeadlineErrorFactory = (timeoutMs: number, lateByMs: number) => Error;

/** Options of {@link DeadlineQueue}. */
export interface DeadlineQueueOptions {
  /**
   * A deadline observed this many ms (or more) after it passed counts as late: the event loop
   * was blocked. @default max(20, timeoutMs / 4)
   */
  lateAfterMs?: number;
}

/** Bounds promises by a fixed timeout; a late result is dropped, the caller gets the timeout error. */
export class DeadlineQueue {
  readonly timeoutMs: number;
  /** Deadlines observed at least this late mean a blocked event loop (see the options). */
  readonly lateAfterMs: number;
  readonly #makeError: DeadlineErrorFactory;
  #pending: PendingCall[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #onSettled = (): void => this.#trimSettled();

  constructor(
    timeoutMs: number,
    makeError: DeadlineErrorFactory,
    options: DeadlineQueueOptions = {},
  ) {
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(`DeadlineQueue timeoutMs must be a positive number, got ${timeoutMs}`);
    }
    const lateAfterMs = options.lateAfterMs ?? Math.max(20, timeoutMs / 4);
    if (!Number.isFinite(lateAfterMs) || lateAfterMs <= 0) {
      throw new RangeError(
        `DeadlineQueue lateAfterMs must be a positive number, got ${lateAfterMs}`,
      );
    }
    this.timeoutMs = timeoutMs;
    this.lateAfterMs = lateAfterMs;
    this.#makeError = makeError;
  }

  /**
   * Settle like `work`, or reject with the timeout error once `timeoutMs` have passed.
   * `mapError`, if given, turns a rejection of `work`, or the timeout error, into the error the
   * caller gets (saving the caller a `.catch` of its own: one promise less per call).
   */
  run<T>(work: Promise<T>, mapError?: (error: unknown) => unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call: PendingCall = { deadline: performance.now() + this.timeoutMs, reject, mapError };
      this.#pending.push(call);
      if (this.#timer === undefined) this.#arm(this.timeoutMs);
      work.then(
        (value) => {
          if (call.reject === undefined) return;
          call.reject = undefined;
          this.#trimSettled();
          resolve(value);
        },
        (error: unknown) => {
          if (call.reject === undefined) return;
          call.reject = undefined;
          this.#trimSettled();
          reject(mapError === undefined ? error : mapError(error));
        },
      );
    });
  }

  /**
   * Like {@link run} for work that is not a promise yet (a read waiting for its batch): the
   * caller settles the returned call itself, one promise and one reaction less than `run`.
   */
  open<T>(mapError?: (error: unknown) => unknown): DeadlineCall<T> {
    const call = new OpenCall<T>(performance.now() + this.timeoutMs, mapError, this.#onSettled);
    this.#pending.push(call);
    if (this.#timer === undefined) this.#arm(this.timeoutMs);
    return call;
  }

  /** Number of calls still waiting (for tests and diagnostics). */
  get pendingCount(): number {
    let count = 0;
    for (let i = this.#head; i < this.#pending.length; i++) {
      if (this.#pending[i]?.reject !== undefined) count++;
    }
    return count;
  }

  /** Entries the queue still holds, settled or not (diagnostics: settled ones are trimmed). */
  get queuedCount(): number {
    return this.#pending.length - this.#head;
  }

  /** Drop settled calls from the head; replies mostly arrive in order, so this keeps it short. */
  #trimSettled(): void {
    const pending = this.#pending;
    let head = this.#head;
    while (head < pending.length && (pending[head] as PendingCall).reject === undefined) head++;
    if (head === pending.length) {
      pending.length = 0;
      head = 0;
    } else if (head >= COMPACT_MIN_HEAD && head * 2 >= pending.length) {
      pending.splice(0, head);
      head = 0;
    }
    this.#head = head;
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => this.#expire(), Math.max(1, Math.ceil(delayMs)));
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    const pending = this.#pending;
    const late: Array<{ call: PendingCall; lateByMs: number }> = [];
    let call = pending[this.#head];
    while (call !== undefined && (call.reject === undefined || call.deadline <= now)) {
      if (call.reject !== undefined) {
        const lateByMs = now - call.deadline;
        if (lateByMs >= this.lateAfterMs) {
          // Still pending in the queue's eyes until the grace turn below settles it.
          late.push({ call, lateByMs });
        } else {
          this.#reject(call, 0);
        }
      }
      this.#head++;
      call = pending[this.#head];
    }
    this.#trimSettled();
    const next = this.#pending[this.#head];
    if (next !== undefined) this.#arm(next.deadline - now);
    // Timers run before I/O in a loop turn: after a stall, replies that arrived during it are
    // read in this turn's poll phase, which runs before setImmediate callbacks.
    if (late.length > 0) {
      setImmediate(() => {
        for (const { call: lateCall, lateByMs } of late) this.#reject(lateCall, lateByMs);
      });
    }
  }

  #reject(call: PendingCall, lateByMs: number): void {
    const reject = call.reject;
    if (reject === undefined) return;
    call.reject = undefined;
    const error = this.#makeError(this.timeoutMs, lateByMs);
    reject(call.mapError === undefined ? error : call.mapError(error));
  }
}
