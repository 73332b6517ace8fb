/**
 * The embedded default store: SQLite in `DATA_DIR`, shared by every worker process through WAL
 * mode. better-sqlite3 is synchronous (a lookup by a unique index takes microseconds), so the
 * async methods of {@link KeyStore} simply wrap synchronous calls. The admin checks run inside
 * `BEGIN IMMEDIATE`, which takes the write lock before the first read.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type {
  ApiKeyRecord,
  ApiKeySummary,
  KeyStore,
  NewApiKeyRecord,
  RevokeOutcome,
} from "./key-store.js";

interface ApiKeyRow {
  id: string;
  key_hash: string;
  name: string;
  is_admin: number;
  created_at: number;
  revoked_at: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_keys (
  id         TEXT PRIMARY KEY,
  key_hash   TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  is_admin   INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
)`;

/** The database file inside the data folder. */
export function databasePath(dataDir: string): string {
  return join(dataDir, "apikeys.sqlite");
}

/** Options of {@link SqliteKeyStore.open}. */
export interface SqliteKeyStoreOptions {
  /** Create the folder and the schema (the primary process does this once, before forking). */
  migrate: boolean;
}

/** {@link KeyStore} on a SQLite file. */
export class SqliteKeyStore implements KeyStore {
  readonly kind = "sqlite" as const;
  readonly location: string;
  readonly #db: Database.Database;
  readonly #byHash: Database.Statement<[string], ApiKeyRow>;
  readonly #byId: Database.Statement<[string], ApiKeyRow>;
  readonly #insert: Database.Statement<[string, string, string, number, number]>;
  readonly #revoke: Database.Statement<[number, string]>;
  readonly #activeAdmins: Database.Statement<[], { found: number }>;
  readonly #list: Database.Statement<[], ApiKeyRow>;

  private constructor(path: string, db: Database.Database) {
    this.location = path;
    this.#db = db;
    this.#byHash = db.prepare("SELECT * FROM api_keys WHERE key_hash = ?");
    this.#byId = db.prepare("SELECT * FROM api_keys WHERE id = ?");
    this.#insert = db.prepare(
      "INSERT INTO api_keys (id, key_hash, name, is_admin, created_at) VALUES (?, ?, ?, ?, ?)",
    );
    // COALESCE keeps the first revocation time when a key is revoked twice.
    this.#revoke = db.prepare(
      "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
    );
    this.#activeAdmins = db.prepare(
      "SELECT COUNT(*) AS found FROM api_keys WHERE is_admin = 1 AND revoked_at IS NULL",
    );
    this.#list = db.prepare("SELECT * FROM api_keys ORDER BY created_at, id");
  }

  /** Open (and with `migrate`, create) the database in `dataDir`. */
  static open(dataDir: string, options: SqliteKeyStoreOptions): SqliteKeyStore {
    if (options.migrate) mkdirSync(dataDir, { recursive: true });
    const path = databasePath(dataDir);
    const db = new Database(path, { fileMustExist: !options.migrate });
    // WAL lets every worker read while one writes; busy_timeout makes a writer wait its turn.
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    db.pragma("synchronous = NORMAL");
    if (options.migrate) db.exec(SCHEMA);
    return new SqliteKeyStore(path, db);
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const row = this.#byHash.get(keyHash);
    return row === undefined ? undefined : toRecord(row);
  }

  async insert(record: NewApiKeyRecord): Promise<void> {
    this.#insertNow(record);
  }

  async insertIfNoActiveAdmin(record: NewApiKeyRecord): Promise<boolean> {
    return this.#db
      .transaction(() => {
        if (this.countActiveAdmins() > 0) return false;
        this.#insertNow(record);
        return true;
      })
      .immediate();
  }

  async revokeUnlessLastAdmin(id: string, now: number = Date.now()): Promise<RevokeOutcome> {
    // The check and the write in one transaction, so two admins revoking each other's keys at
    // the same time cannot leave none.
    return this.#db
      .transaction((): RevokeOutcome => {
        const current = this.#findById(id);
        if (current === undefined) return { outcome: "not_found" };
        if (current.admin && current.revokedAt === null && this.countActiveAdmins() <= 1) {
          return { outcome: "last_admin" };
        }
        this.#revoke.run(now, id);
        const record = this.#findById(id);
        return record === undefined ? { outcome: "not_found" } : { outcome: "revoked", record };
      })
      .immediate();
  }

  async list(): Promise<ApiKeySummary[]> {
    return this.#list.all().map((row) => {
      const { keyHash: _hash, ...summary } = toRecord(row);
      return summary;
    });
  }

  async ping(): Promise<void> {
    this.#db.prepare("SELECT 1 AS ok").get();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  /**
   * Active admin keys now. Synchronous and public so a test can run another connection's write
   * at the exact point between this check and the insert.
   */
  countActiveAdmins(): number {
    return this.#activeAdmins.get()?.found ?? 0;
  }

  #findById(id: string): ApiKeyRecord | undefined {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  #insertNow(record: NewApiKeyRecord): void {
    this.#insert.run(
      record.id,
      record.keyHash,
      record.name,
      record.admin ? 1 : 0,
      record.createdAt,
    );
  }
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    keyHash: row.key_hash,
    name: row.name,
    admin: row.is_admin === 1,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
