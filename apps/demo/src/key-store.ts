/**
 * The source of truth: API keys in SQLite, shared by every worker process through WAL mode.
 * Only sha256 hashes of keys are stored, never a plaintext. Authentication only ever reads
 * here; writes happen on key creation and revocation alone.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

/** One row of the `api_keys` table. */
export interface ApiKeyRecord {
  id: string;
  keyHash: string;
  name: string;
  admin: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds, or `null` while the key is active. */
  revokedAt: number | null;
}

/** What {@link KeyStore.revokeUnlessLastAdmin} did. */
export type RevokeOutcome =
  | { outcome: "revoked"; record: ApiKeyRecord }
  | { outcome: "not_found" }
  | { outcome: "last_admin" };

/** What a listing shows: everything but the hash. */
export type ApiKeySummary = Omit<ApiKeyRecord, "keyHash">;

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

/** Options of {@link KeyStore.open}. */
export interface KeyStoreOpenOptions {
  /** Create the folder and the schema (the primary process does this once, before forking). */
  migrate: boolean;
}

/** The `api_keys` table behind a small typed API. One instance per process. */
export class KeyStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #byHash: Database.Statement<[string], ApiKeyRow>;
  readonly #byId: Database.Statement<[string], ApiKeyRow>;
  readonly #insert: Database.Statement<[string, string, string, number, number]>;
  readonly #revoke: Database.Statement<[number, string]>;
  readonly #hasAdmin: Database.Statement<[], { found: number }>;
  readonly #revokeUnlessLastAdmin: Database.Transaction<(id: string, now: number) => RevokeOutcome>;
  readonly #list: Database.Statement<[], ApiKeyRow>;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
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
    this.#hasAdmin = db.prepare(
      "SELECT COUNT(*) AS found FROM api_keys WHERE is_admin = 1 AND revoked_at IS NULL",
    );
    this.#list = db.prepare("SELECT * FROM api_keys ORDER BY created_at, id");
    // The check and the write in one transaction, so two admins revoking each other's keys at
    // the same time cannot leave none.
    this.#revokeUnlessLastAdmin = db.transaction((id: string, now: number): RevokeOutcome => {
      const current = this.findById(id);
      if (current === undefined) return { outcome: "not_found" };
      if (current.admin && current.revokedAt === null && this.#activeAdmins() <= 1) {
        return { outcome: "last_admin" };
      }
      const record = this.revoke(id, now);
      return record === undefined ? { outcome: "not_found" } : { outcome: "revoked", record };
    });
  }

  /** Open (and with `migrate`, create) the database in `dataDir`. */
  static open(dataDir: string, options: KeyStoreOpenOptions): KeyStore {
    if (options.migrate) mkdirSync(dataDir, { recursive: true });
    const path = databasePath(dataDir);
    const db = new Database(path, { fileMustExist: !options.migrate });
    // WAL lets every worker read while one writes; busy_timeout makes a writer wait its turn.
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    db.pragma("synchronous = NORMAL");
    if (options.migrate) db.exec(SCHEMA);
    return new KeyStore(path, db);
  }

  /** The key with this hash, revoked or not; `undefined` if none. */
  findByHash(keyHash: string): ApiKeyRecord | undefined {
    const row = this.#byHash.get(keyHash);
    return row === undefined ? undefined : toRecord(row);
  }

  /** The key with this id; `undefined` if none. */
  findById(id: string): ApiKeyRecord | undefined {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  /** Store a new key (its hash only). */
  insert(record: Omit<ApiKeyRecord, "revokedAt">): void {
    this.#insert.run(
      record.id,
      record.keyHash,
      record.name,
      record.admin ? 1 : 0,
      record.createdAt,
    );
  }

  /** Mark the key revoked (idempotent); the updated record, or `undefined` for an unknown id. */
  revoke(id: string, now: number = Date.now()): ApiKeyRecord | undefined {
    this.#revoke.run(now, id);
    return this.findById(id);
  }

  /**
   * Revoke the key unless it is the last active admin key: with none left, no one could manage
   * keys and the next start would silently mint a new admin key.
   */
  revokeUnlessLastAdmin(id: string, now: number = Date.now()): RevokeOutcome {
    return this.#revokeUnlessLastAdmin.immediate(id, now);
  }

  /** Whether an active admin key exists. */
  hasActiveAdmin(): boolean {
    return this.#activeAdmins() > 0;
  }

  /**
   * Run `fn` in a write transaction taken before its first read (`BEGIN IMMEDIATE`), so a
   * check-then-write inside it cannot interleave with another connection's write.
   */
  immediateTransaction<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  /** Every key, oldest first, without hashes. */
  list(): ApiKeySummary[] {
    return this.#list.all().map((row) => {
      const { keyHash: _hash, ...summary } = toRecord(row);
      return summary;
    });
  }

  /** A cheap liveness query. */
  ping(): boolean {
    return this.#db.prepare("SELECT 1 AS ok").get() !== undefined;
  }

  #activeAdmins(): number {
    return this.#hasAdmin.get()?.found ?? 0;
  }

  /** Close the connection (idempotent). */
  close(): void {
    if (this.#db.open) this.#db.close();
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
