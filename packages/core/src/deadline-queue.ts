/**
 * Client-independent call deadlines at the cost of one queue entry per call. All calls of a
 * queue share one timeout, so deadlines expire in insertion order and one timer, armed for
 * the oldest pending call, serves them all (a per-call timer or AbortSignal costs far more).
 */

interface PendingCall {
  readonly deadline: number;
  settled: boolean;
  readonly reject: (error: unknown) => void;
}

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

  /** Settle like `work`, or reject with the timeout error once `timeoutMs` have passed. */
  run<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call: PendingCall = {
        deadline: performance.now() + this.timeoutMs,
        settled: false,
        reject,
      };
      this.#pending.push(call);
      if (this.#timer === undefined) this.#arm(this.timeoutMs);
      work.then(
        (value) => {
          if (call.settled) return;
          call.settled = true;
          resolve(value);
        },
        (error: unknown) => {
          if (call.settled) return;
          call.settled = true;
          reject(error);
        },
      );
    });
  }

  /** Number of calls still waiting (for tests and diagnostics). */
  get pendingCount(): number {
    let count = 0;
    for (let i = this.#head; i < this.#pending.length; i++) if (!this.#pending[i]?.settled) count++;
    return count;
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => this.#expire(), Math.max(1, Math.ceil(delayMs)));
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    let call = this.#pending[this.#head];
    while (call !== undefined && (call.settled || call.deadline <= now)) {
      if (!call.settled) {
        call.settled = true;
        call.reject(this.#makeError(this.timeoutMs));
      }
      this.#head++;
      call = this.#pending[this.#head];
    }
    if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    if (call !== undefined) this.#arm(call.deadline - now);
    else {
      this.#pending = [];
      this.#head = 0;
    }
  }
}
