/**
 * A source of truth that takes `delayMs` per lookup (a database round trip) and counts its
 * calls per contender, so a suite can show how many lookups each cache let through.
 */
import type { CachedApiKey } from "@apikey/core";
import type { CountingLoader } from "./read-through-contenders.js";
import { makeRecord } from "./workload.js";

/** Loader calls per contender name. */
export class LoaderCallCounts {
  readonly #calls = new Map<string, number>();

  /** A loader for `contender` answering a valid record for any key after `delayMs`. */
  loaderFor(contender: string, delayMs: number): CountingLoader {
    this.#calls.set(contender, 0);
    return async (keyHash: string): Promise<CachedApiKey | undefined> => {
      this.#calls.set(contender, (this.#calls.get(contender) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { ...makeRecord(0), ownerId: keyHash.slice(0, 12) };
    };
  }

  /** Calls of `contender`'s loader so far. */
  calls(contender: string): number {
    return this.#calls.get(contender) ?? 0;
  }
}
