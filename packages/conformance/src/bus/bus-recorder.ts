/**
 * Handlers that record what a bus delivers, in order, and let a check await an event with a
 * cap instead of sleeping. Negative claims ("nothing else arrived") are made against an
 * ordering barrier the check awaits first, never against the passage of time.
 */
import { AssertionError } from "node:assert";
import type { InvalidationHandlers, InvalidationMessage } from "@apikey/core";

/** One thing a subscriber was told. */
export type BusEvent =
  | { readonly type: "message"; readonly message: InvalidationMessage }
  | { readonly type: "ready" }
  | { readonly type: "disconnected" };

interface Waiter {
  readonly from: number;
  readonly predicate: (event: BusEvent) => boolean;
  readonly resolve: (index: number) => void;
}

/** Records every callback; `waitFor` resolves on the first matching event. */
export class BusRecorder implements InvalidationHandlers {
  readonly events: BusEvent[] = [];
  #waiters: Waiter[] = [];
  /** The unsubscribe function `subscribe` resolved to (set by the check context). */
  unsubscribe: (() => Promise<void>) | undefined;

  message(message: InvalidationMessage): void {
    this.#record({ type: "message", message });
  }

  ready(): void {
    this.#record({ type: "ready" });
  }

  disconnected(): void {
    this.#record({ type: "disconnected" });
  }

  /** The messages received so far. */
  get messages(): InvalidationMessage[] {
    return this.events.flatMap((event) => (event.type === "message" ? [event.message] : []));
  }

  /**
   * Index of the first event at or after `from` matching `predicate`, waiting up to
   * `timeoutMs`; rejects with an AssertionError naming `what` and listing what did arrive.
   */
  waitFor(
    predicate: (event: BusEvent) => boolean,
    what: string,
    timeoutMs: number,
    from = 0,
  ): Promise<number> {
    const found = this.events.findIndex((event, index) => index >= from && predicate(event));
    if (found !== -1) return Promise.resolve(found);
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { from, predicate, resolve: (index) => finish(() => resolve(index)) };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new AssertionError({
                message: `expected ${what} within ${timeoutMs} ms; events so far: ${JSON.stringify(this.events)}`,
              }),
            ),
          ),
        timeoutMs,
      );
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        settle();
      };
      this.#waiters.push(waiter);
    });
  }

  /** Wait for a message matching `predicate`. */
  waitForMessage(
    predicate: (message: InvalidationMessage) => boolean,
    what: string,
    timeoutMs: number,
    from = 0,
  ): Promise<number> {
    return this.waitFor((e) => e.type === "message" && predicate(e.message), what, timeoutMs, from);
  }

  #record(event: BusEvent): void {
    this.events.push(event);
    const index = this.events.length - 1;
    for (const waiter of [...this.#waiters]) {
      if (index >= waiter.from && waiter.predicate(event)) waiter.resolve(index);
    }
  }
}
