/**
 * An `ApiKeyCacheBackend` over one SQLite file: the worked example of docs/writing-a-backend.md.
 *
 * One table holds every namespace; a row is (namespace, cache key, encoded value, expiry in
 * epoch milliseconds). Expiry uses the wall clock, because the store is shared: a second
 * connection to the same file (another worker process) must agree on what has expired, and
 * `performance.now()` differs per process. Every statement runs inside SQLite, so each call is
 * atomic on its own; `setIfAbsent` is one `INSERT … ON CONFLICT … WHERE` statement.
 */
import {
  type ApiKeyCacheBackend,
  ApiKeyCacheError,
  type ApiKeyCacheLogger,
  assertCacheKey,
  type CachedApiKey,
  type CachedApiKeyWithTtl,
  decodeCachedApiKey,
  defaultLogger,
  encodeCachedApiKey,
  ttlToMilliseconds,
} from "@apikey/core";
import Database from "better-sqlite3";
import { type SqliteStatements, sqliteStatements } from "./sqlite-statements.js";

/** Options of {@link SqliteApiKeyCacheBackend}. */
export interface SqliteApiKeyCacheBackendOptions {
  /** Path of the SQLite file (created if missing), or `":memory:"` for a private store. */
  filename: string;
  /** The namespace of every row; `clear()` removes this namespace only. @default "apikey:" */
  namespace?: string;
  /** Wall clock in epoch milliseconds (tests pass a fake one). @default Date.now */
  now?: () => number;
  /** Where undecodable entries and store failures are reported. @default defaultLogger */
  logger?: ApiKeyCacheLogger;
  /** How long a statement waits for another connection's write lock, in ms. @default 1000 */
  busyTimeoutMs?: number;
}

/** Writes between two sweeps of expired rows in this namespace. */
const SWEEP_EVERY_WRITES = 1000;

/** A cache backend on a SQLite file, shared by every connection to that file. */
export class SqliteApiKeyCacheBackend<V extends CachedApiKey = CachedApiKey>
  implements ApiKeyCacheBackend<V>
{
  readonly namespace: string;
  readonly filename: string;
  readonly #now: () => number;
  readonly #logger: ApiKeyCacheLogger;
  readonly #database: Database.Database;
  readonly #statements: SqliteStatements;
  #writesSinceSweep = 0;
  #closed = false;

  constructor(options: SqliteApiKeyCacheBackendOptions) {
    const { filename, namespace = "apikey:", now = Date.now, logger = defaultLogger } = options;
    if (typeof filename !== "string" || filename.length === 0) {
      throw new ApiKeyCacheError("E_CONFIG", "SqliteApiKeyCacheBackend: filename must be a path");
    }
    if (typeof namespace !== "string" || namespace.length === 0) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        "SqliteApiKeyCacheBackend: namespace must be a non-empty string",
      );
    }
    if (typeof now !== "function") {
      throw new ApiKeyCacheError("E_CONFIG", "SqliteApiKeyCacheBackend: now must be a function");
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? 1000;
    if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `SqliteApiKeyCacheBackend: busyTimeoutMs must be a whole number of ms >= 0, got ${busyTimeoutMs}`,
      );
    }
    this.filename = filename;
    this.namespace = namespace;
    this.#now = now;
    this.#logger = logger;
    try {
      this.#database = new Database(filename, { timeout: busyTimeoutMs });
      // WAL lets readers and one writer work at once across connections to the file.
      if (filename !== ":memory:") this.#database.pragma("journal_mode = WAL");
      this.#statements = sqliteStatements(this.#database);
    } catch (error) {
      throw new ApiKeyCacheError(
        "E_BACKEND_UNAVAILABLE",
        "SqliteApiKeyCacheBackend: could not open the SQLite file",
        { cause: error },
      );
    }
  }

  async get(cacheKey: string): Promise<V | undefined> {
    return (await this.getWithTtl(cacheKey))?.value;
  }

  async getWithTtl(cacheKey: string): Promise<CachedApiKeyWithTtl<V> | undefined> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const now = this.#now();
    const row = this.#run(() => this.#statements.select.get(this.namespace, cacheKey, now));
    if (row === undefined) return undefined;
    const value = decodeCachedApiKey<V>(row.value);
    if (value === undefined) {
      this.#dropUndecodable(cacheKey, row.value);
      return undefined;
    }
    return { value, ttlMs: row.expires_at - now };
  }

  async set(cacheKey: string, value: V, ttlSeconds: number): Promise<void> {
    const write = this.#checkWrite(cacheKey, value, ttlSeconds);
    if (write === undefined) return;
    this.#run(() => this.#statements.upsert.run(this.namespace, cacheKey, write.encoded, write.at));
    this.#noteWrite();
  }

  async setIfAbsent(cacheKey: string, value: V, ttlSeconds: number): Promise<boolean> {
    const write = this.#checkWrite(cacheKey, value, ttlSeconds);
    if (write === undefined) return false;
    const result = this.#run(() =>
      this.#statements.insertIfAbsent.run(
        this.namespace,
        cacheKey,
        write.encoded,
        write.at,
        this.#now(),
      ),
    );
    this.#noteWrite();
    return result.changes === 1;
  }

  async delete(cacheKey: string): Promise<void> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    this.#run(() => this.#statements.delete.run(this.namespace, cacheKey));
  }

  async clear(): Promise<void> {
    this.#assertOpen();
    this.#run(() => this.#statements.clear.run(this.namespace));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#database.close();
  }

  /** The checks every write makes, in the protocol's order: closed, key, TTL, value. */
  #checkWrite(
    cacheKey: string,
    value: V,
    ttlSeconds: number,
  ): { encoded: string; at: number } | undefined {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    return ttlMs === 0 ? undefined : { encoded, at: this.#now() + ttlMs };
  }

  /**
   * An entry another program wrote in a shape we cannot read is a miss. Report it once and
   * delete it only if it is still the same bytes, so a concurrent good write is never lost.
   */
  #dropUndecodable(cacheKey: string, raw: string): void {
    this.#logger.warn(
      `SqliteApiKeyCacheBackend: dropping an undecodable entry in namespace ${JSON.stringify(this.namespace)}`,
    );
    this.#run(() => this.#statements.deleteIfUnchanged.run(this.namespace, cacheKey, raw));
  }

  /** Expired rows that are never read again are swept now and then, not on every call. */
  #noteWrite(): void {
    this.#writesSinceSweep++;
    if (this.#writesSinceSweep < SWEEP_EVERY_WRITES) return;
    this.#writesSinceSweep = 0;
    this.#run(() => this.#statements.sweep.run(this.namespace, this.#now()));
  }

  /** A failure of the store itself is an outage, with SQLite's error as the cause. */
  #run<T>(statement: () => T): T {
    try {
      return statement();
    } catch (error) {
      throw new ApiKeyCacheError(
        "E_BACKEND_UNAVAILABLE",
        "SqliteApiKeyCacheBackend: the SQLite statement failed",
        { cause: error },
      );
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new ApiKeyCacheError("E_CLOSED", "SqliteApiKeyCacheBackend is closed");
  }
}
