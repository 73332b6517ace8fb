/**
 * The removal of undecodable entries (garbage, a wrong shape, another type: WRONGTYPE). The
 * tricky points: it deletes an entry only if it still holds the same bad value (or is still of
 * that type), so a good value written since the read survives; and one removal per key runs at
 * a time, so a burst of reads of one hot bad key costs one cleanup, not one per reader. A
 * batched read (`MGET`) answers nil for a key of another type, as for a missing one: its nil
 * keys are checked afterwards ({@link UndecodableCleanup.sweepNilReads}).
 */
import type { ApiKeyCacheLogger } from "../logger.js";
import type { RedisCommandRunner } from "./redis-command-runner.js";
import { DELETE_IF_UNCHANGED_SCRIPT } from "./redis-keyspace.js";

/** Stands for a WRONGTYPE reply in place of the bytes read. */
export const WRONG_TYPE: unique symbol = Symbol("WRONGTYPE");
export type WrongType = typeof WRONG_TYPE;

/** Reports and removes undecodable entries of one backend. */
export class UndecodableCleanup {
  readonly #runner: RedisCommandRunner;
  readonly #logger: ApiKeyCacheLogger;
  readonly #owner: string;
  readonly #removing = new Map<string, Promise<void>>();

  constructor(runner: RedisCommandRunner, logger: ApiKeyCacheLogger, owner: string) {
    this.#runner = runner;
    this.#logger = logger;
    this.#owner = owner;
  }

  /** Warn about an undecodable entry, naming the key but never the value (it may hold a secret). */
  report(key: string, raw: string | WrongType): void {
    this.#logger.warn(
      raw === WRONG_TYPE
        ? `${this.#owner}: key ${JSON.stringify(key)} is not a Redis string (WRONGTYPE), not a cached API key; read as a miss and removed`
        : `${this.#owner}: entry ${JSON.stringify(key)} is not a cached API key (not JSON, or not {apiKey, active}); read as a miss and removed`,
    );
  }

  /**
   * Delete `key` if it still holds `raw` (or, for WRONGTYPE, is still of the type TYPE
   * reports). A caller arriving while a removal of `key` runs shares it. Never rejects.
   */
  remove(key: string, raw: string | WrongType): Promise<void> {
    return this.#removeOnce(key, raw, undefined);
  }

  /** {@link remove}, with the type already known (from a TYPE just sent) or not. */
  #removeOnce(key: string, raw: string | WrongType, knownType: string | undefined): Promise<void> {
    if (this.#runner.closed) return Promise.resolve();
    const running = this.#removing.get(key);
    if (running !== undefined) return running;
    const removal = this.#compareAndDelete(key, raw, knownType).finally(() =>
      this.#removing.delete(key),
    );
    this.#removing.set(key, removal);
    return removal;
  }

  /**
   * Find keys of another type among keys an `MGET` answered nil for, in the background: one
   * `EXISTS` for them all (almost always 0: they are missing), then a `TYPE` of each only if
   * some exist; each one of another type is reported and removed as by {@link remove}.
   * Never rejects; all `keys` must be in one hash slot on a cluster.
   */
  sweepNilReads(keys: readonly string[]): void {
    if (this.#runner.closed || keys.length === 0) return;
    void this.#sweep(keys);
  }

  async #sweep(keys: readonly string[]): Promise<void> {
    const runner = this.#runner;
    try {
      const present = Number(await runner.send(keys[0] as string, ["EXISTS", ...keys], "EXISTS"));
      if (present === 0) return;
      // A key read by several callers of the batch is checked once.
      const unique = [...new Set(keys)].filter((key) => !this.#removing.has(key));
      const types = await Promise.all(
        unique.map((key) => runner.send(key, ["TYPE", key], "TYPE").then(String)),
      );
      unique.forEach((key, index) => {
        const type = types[index] as string;
        // Missing, or a string written since the MGET: nothing to remove.
        if (type === "string" || type === "none") return;
        this.report(key, WRONG_TYPE);
        void this.#removeOnce(key, WRONG_TYPE, type);
      });
    } catch (error) {
      if (!runner.closed) {
        this.#logger.warn(
          `${this.#owner}: could not check ${keys.length} keys a batched read found empty for other types; the next read retries`,
          error,
        );
      }
    }
  }

  async #compareAndDelete(
    key: string,
    raw: string | WrongType,
    knownType: string | undefined,
  ): Promise<void> {
    try {
      let expected = "";
      let type = "string";
      if (raw === WRONG_TYPE) {
        type = knownType ?? String(await this.#runner.send(key, ["TYPE", key], "TYPE"));
        // Already replaced by a string (maybe a good one) or gone: nothing to remove.
        if (type === "string" || type === "none") return;
      } else expected = raw;
      // Plain EVAL, routed by the key: this path is rare, so the script is not cached by SHA.
      const argv = ["EVAL", DELETE_IF_UNCHANGED_SCRIPT, "1", key, expected, type];
      const removed = await this.#runner.send(key, argv, "EVAL");
      this.#logger.debug(
        Number(removed) === 1
          ? `${this.#owner}: removed the undecodable entry ${JSON.stringify(key)}`
          : `${this.#owner}: left ${JSON.stringify(key)} in place: it changed since it was read`,
      );
    } catch (error) {
      // The entry still reads as a miss; the next read tries again.
      if (!this.#runner.closed) {
        this.#logger.warn(
          `${this.#owner}: could not remove the undecodable entry ${JSON.stringify(key)}; the next read retries`,
          error,
        );
      }
    }
  }
}
