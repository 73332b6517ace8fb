/**
 * The PostgreSQL store (`DATABASE_URL=postgres://…`), over a small `pg` pool per process. The
 * table lives in `DATABASE_SCHEMA` (default `public`), so several demos or test runs can share
 * one database. The admin checks take `LOCK TABLE … IN SHARE ROW EXCLUSIVE MODE`, a lock that
 * conflicts with itself and with every write but not with reads: authentication never waits.
 * Every query has a deadline (`query_timeout`), and so has getting a connection.
 */
import pg from "pg";
import type {
  ApiKeyRecord,
  ApiKeySummary,
  KeyStore,
  NewApiKeyRecord,
  RevokeOutcome,
} from "./key-store.js";
import { postgresLocation } from "./postgres-location.js";

/** Options of {@link PostgresKeyStore.open}. */
export interface PostgresKeyStoreOptions {
  /** A `postgres://` or `postgresql://` URL. */
  connectionString: string;
  /** Schema of the `api_keys` table; checked by the configuration (`[a-z_][a-z0-9_]*`). */
  schema: string;
  /** Create the schema and the table (the primary process does this once, before forking). */
  migrate: boolean;
  /** Connections per process. @default 4 */
  poolSize?: number;
  /** Longest a query, or the wait for a connection, may take. @default 5000 */
  timeoutMs?: number;
}

interface ApiKeyRow {
  id: string;
  key_hash: string;
  name: string;
  is_admin: boolean;
  // BIGINT columns arrive as strings.
  created_at: string;
  revoked_at: string | null;
}

/** {@link KeyStore} on PostgreSQL. */
export class PostgresKeyStore implements KeyStore {
  readonly kind = "postgres" as const;
  readonly location: string;
  readonly #pool: pg.Pool;
  readonly #table: string;
  #closing: Promise<void> | undefined;

  private constructor(pool: pg.Pool, location: string, schema: string) {
    this.#pool = pool;
    this.location = location;
    this.#table = `"${schema}".api_keys`;
  }

  /** Connect (and with `migrate`, create the schema and table). */
  static async open(options: PostgresKeyStoreOptions): Promise<PostgresKeyStore> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      application_name: "apikey-demo",
    });
    // An idle connection that drops emits here; without a listener it would crash the process.
    // The next query gets a fresh connection (or its own error).
    pool.on("error", () => {});
    const store = new PostgresKeyStore(
      pool,
      postgresLocation(options.connectionString),
      options.schema,
    );
    try {
      if (options.migrate) await store.#migrate(options.schema);
      else await store.ping();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const result = await this.#pool.query<ApiKeyRow>(
      `SELECT * FROM ${this.#table} WHERE key_hash = $1`,
      [keyHash],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  async insert(record: NewApiKeyRecord): Promise<void> {
    await this.#insertWith(this.#pool, record);
  }

  async insertIfNoActiveAdmin(record: NewApiKeyRecord): Promise<boolean> {
    return this.#lockedTransaction(async (client) => {
      if ((await this.#activeAdmins(client)) > 0) return false;
      await this.#insertWith(client, record);
      return true;
    });
  }

  async revokeUnlessLastAdmin(id: string, now: number = Date.now()): Promise<RevokeOutcome> {
    return this.#lockedTransaction(async (client): Promise<RevokeOutcome> => {
      const found = await client.query<ApiKeyRow>(`SELECT * FROM ${this.#table} WHERE id = $1`, [
        id,
      ]);
      const current = found.rows[0];
      if (current === undefined) return { outcome: "not_found" };
      if (
        current.is_admin &&
        current.revoked_at === null &&
        (await this.#activeAdmins(client)) <= 1
      ) {
        return { outcome: "last_admin" };
      }
      // COALESCE keeps the first revocation time when a key is revoked twice.
      const updated = await client.query<ApiKeyRow>(
        `UPDATE ${this.#table} SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING *`,
        [now, id],
      );
      const row = updated.rows[0];
      return row === undefined
        ? { outcome: "not_found" }
        : { outcome: "revoked", record: toRecord(row) };
    });
  }

  async list(): Promise<ApiKeySummary[]> {
    const result = await this.#pool.query<ApiKeyRow>(
      `SELECT * FROM ${this.#table} ORDER BY created_at, id`,
    );
    return result.rows.map((row) => {
      const { keyHash: _hash, ...summary } = toRecord(row);
      return summary;
    });
  }

  async ping(): Promise<void> {
    await this.#pool.query("SELECT 1");
  }

  close(): Promise<void> {
    this.#closing ??= this.#pool.end();
    return this.#closing;
  }

  async #migrate(schema: string): Promise<void> {
    if (schema !== "public") await this.#pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await this.#pool.query(`
      CREATE TABLE IF NOT EXISTS ${this.#table} (
        id         TEXT PRIMARY KEY,
        key_hash   TEXT NOT NULL UNIQUE,
        name       TEXT NOT NULL,
        is_admin   BOOLEAN NOT NULL DEFAULT false,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
      )`);
  }

  async #activeAdmins(client: pg.PoolClient): Promise<number> {
    const result = await client.query<{ found: string }>(
      `SELECT COUNT(*) AS found FROM ${this.#table} WHERE is_admin AND revoked_at IS NULL`,
    );
    return Number(result.rows[0]?.found ?? 0);
  }

  async #insertWith(client: pg.Pool | pg.PoolClient, record: NewApiKeyRecord): Promise<void> {
    await client.query(
      `INSERT INTO ${this.#table} (id, key_hash, name, is_admin, created_at) VALUES ($1, $2, $3, $4, $5)`,
      [record.id, record.keyHash, record.name, record.admin, record.createdAt],
    );
  }

  /** Run `fn` in a transaction that holds the table's admin-check lock. */
  async #lockedTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      await client.query(`LOCK TABLE ${this.#table} IN SHARE ROW EXCLUSIVE MODE`);
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      // A failed ROLLBACK means the connection itself is broken; releasing it with the error
      // below discards it instead of returning it to the pool mid-transaction.
      await client.query("ROLLBACK").catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    keyHash: row.key_hash,
    name: row.name,
    admin: row.is_admin,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}
