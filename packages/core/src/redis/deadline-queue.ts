/**
 * Client-independent call deadlines at the cost of one queue entry per call. All calls of a
 * queue share one timeout, so deadlines expire in insertion order and one timer, armed for
 * the oldest pending call, serves them all (a per-call timer or AbortSignal costs far more).
 * The tricky point is memory: a settled call must not stay referenced until its deadline, or
 * every result of the last `timeoutMs` is kept alive and promoted to the old generation; so a
 * settled call drops its callback at once and settled calls are trimmed from the queue's head.
 */

interface PendingCall {
  readonly deadline: number;
  /** Cleared once the call has settled, either way. */
  reject: ((error: unknown) => void) | undefined;
  readonly mapError: ((error: unknown) => unknown) | undefined;
}

/** Queues shorter than this are never compacted (the head index just moves on). */
const COMPACT_MIN_HEAD = 1024;

/** Bounds promises by a fixed timeout; a late result is dropped, the caller gets the timeout error. */
export class DeadlineQueue {
  readonly timeoutMs: number;
  readonly #makeError: (timeoutMs: number) => Error;
  #pending: PendingCall[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number, makeError: (timeoutMs: number) => Error) {
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(`DeadlineQueue timeoutMs must be a positive number, got ${timeoutMs}`);
    }
    this.timeoutMs = timeoutMs;
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
    let call = pending[this.#head];
    while (call !== undefined && (call.reject === undefined || call.deadline <= now)) {
      const reject = call.reject;
      if (reject !== undefined) {
        call.reject = undefined;
        const error = this.#makeError(this.timeoutMs);
        reject(call.mapError === undefined ? error : call.mapError(error));
      }
      this.#head++;
      call = pending[this.#head];
    }
    this.#trimSettled();
    const next = this.#pending[this.#head];
    if (next !== undefined) this.#arm(next.deadline - now);
  }
}
