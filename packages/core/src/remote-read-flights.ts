/**
 * The tiered backend's L2 reads in flight, one per key, so concurrent L1 misses of a key share
 * one round trip. The tricky point is invalidation: a caller may join a read only while nothing
 * has bumped the key's generation since that read was sent, so a read sent before a write,
 * delete, clear, bus message or disconnect is never handed to a caller that started after it.
 */
import type { GenerationMark, GenerationTable } from "./generation-table.js";

/** One L2 read in flight: the generations it was sent under, its send time and its reply. */
export interface RemoteRead<T> {
  /** Generations noted before the read was sent (the L1 fill guard checks it too). */
  readonly mark: GenerationMark;
  /** When the read was sent, on the backend's monotonic clock (ms). */
  readonly sentAt: number;
  /** Settles once the read is over and no longer joinable. */
  readonly reply: Promise<T>;
}

/** Per-key L2 reads in flight; an entry lives exactly as long as its read. */
export class RemoteReadFlights<T> {
  readonly #flights = new Map<string, RemoteRead<T>>();
  readonly #generations: GenerationTable;

  constructor(generations: GenerationTable) {
    this.#generations = generations;
  }

  /**
   * The read of `key` a caller arriving at `now` may share: none if no read is in flight, if
   * its key's (or the global) generation moved since it was sent, or if it was sent
   * `maxAgeMs` or more ago (its reply could be older than an L1 copy may be).
   */
  joinable(key: string, now: number, maxAgeMs: number): RemoteRead<T> | undefined {
    const flight = this.#flights.get(key);
    if (flight === undefined) return undefined;
    if (now - flight.sentAt >= maxAgeMs || !this.#generations.unchanged(flight.mark)) {
      return undefined;
    }
    return flight;
  }

  /**
   * Send a read of `key` (`read` gets the flight, for its mark and send time) and make it the
   * one later callers may join, replacing any older one. The mark is held until the reply
   * settles and released in the same step as the flight is forgotten, so a joinable flight's
   * generations are always tracked.
   */
  send(key: string, sentAt: number, read: (flight: RemoteRead<T>) => Promise<T>): Promise<T> {
    const flight = { mark: this.#generations.mark(key), sentAt } as {
      -readonly [P in keyof RemoteRead<T>]: RemoteRead<T>[P];
    };
    this.#flights.set(key, flight);
    const settle = (): void => {
      // Only forget our own flight: an unjoinable one may have been replaced by a newer one.
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
      this.#generations.release(flight.mark);
    };
    let started: Promise<T>;
    try {
      started = read(flight);
    } catch (error) {
      started = Promise.reject(error);
    }
    flight.reply = started.then(
      (value) => {
        settle();
        return value;
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
    return flight.reply;
  }

  /** Keys with an L2 read in flight (diagnostics and tests). */
  get size(): number {
    return this.#flights.size;
  }
}
