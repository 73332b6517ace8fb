/**
 * One in-flight load per key in a process. The tricky point is revocation: `drop(key)` detaches
 * the current flight, so callers arriving afterwards start a new one instead of joining a load
 * that began before the drop, and the detached flight can see it was dropped (and not write).
 */

/** What a flight's work can ask about itself. */
export interface FlightToken {
  /** True once `drop()` detached this flight: its result may predate the drop. */
  readonly dropped: boolean;
}

interface Flight<T> extends FlightToken {
  dropped: boolean;
  promise: Promise<T>;
}

/** Shares one promise per key among concurrent callers. */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Flight<T>>();

  /** Join the flight for `key`, or start one with `work`; the flight ends when `work` settles. */
  run(key: string, work: (token: FlightToken) => Promise<T>): Promise<T> {
    const current = this.#flights.get(key);
    if (current !== undefined) return current.promise;
    const flight = { dropped: false } as Flight<T>;
    this.#flights.set(key, flight);
    const settle = (): void => {
      // Only remove our own flight: after a drop the slot may hold a newer one.
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    };
    let started: Promise<T>;
    try {
      started = work(flight);
    } catch (error) {
      started = Promise.reject(error);
    }
    flight.promise = started.then(
      (value) => {
        settle();
        return value;
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
    return flight.promise;
  }

  /** Detach the flight of `key`, if any: later callers start a new one. */
  drop(key: string): void {
    const flight = this.#flights.get(key);
    if (flight === undefined) return;
    flight.dropped = true;
    this.#flights.delete(key);
  }

  /** Flights in progress (diagnostics and tests). */
  get size(): number {
    return this.#flights.size;
  }
}
