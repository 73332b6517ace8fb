/**
 * The schema and the prepared statements of the SQLite backend. Each statement is one atomic
 * step; a row is live while `expires_at > now` (epoch milliseconds).
 */
import type Database from "better-sqlite3";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS apikey_cache (
    namespace  TEXT    NOT NULL,
    cache_key  TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (namespace, cache_key)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS apikey_cache_expiry ON apikey_cache (namespace, expires_at);
`;

/** A live row as the select statement returns it. */
export interface SqliteRow {
  value: string;
  expires_at: number;
}

/** The prepared statements, with their parameters in order. */
export interface SqliteStatements {
  /** (namespace, key, now) → the live row. */
  select: Database.Statement<[string, string, number], SqliteRow>;
  /** (namespace, key, value, expiresAt): insert or replace. */
  upsert: Database.Statement<[string, string, string, number]>;
  /** (namespace, key, value, expiresAt, now): insert unless a live row exists; 1 change if stored. */
  insertIfAbsent: Database.Statement<[string, string, string, number, number]>;
  /** (namespace, key). */
  delete: Database.Statement<[string, string]>;
  /** (namespace, key, value): delete only if the row still holds exactly `value`. */
  deleteIfUnchanged: Database.Statement<[string, string, string]>;
  /** (namespace): every row of the namespace, nothing else. */
  clear: Database.Statement<[string]>;
  /** (namespace, now): rows of the namespace that have expired. */
  sweep: Database.Statement<[string, number]>;
}

/** Create the table if needed and prepare the statements on `database`. */
export function sqliteStatements(database: Database.Database): SqliteStatements {
  database.exec(SCHEMA);
  return {
    select: database.prepare(
      "SELECT value, expires_at FROM apikey_cache WHERE namespace = ? AND cache_key = ? AND expires_at > ?",
    ),
    upsert: database.prepare(
      `INSERT INTO apikey_cache (namespace, cache_key, value, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (namespace, cache_key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
    ),
    // An expired row counts as absent: the conflict branch overwrites it, a live one is kept.
    insertIfAbsent: database.prepare(
      `INSERT INTO apikey_cache (namespace, cache_key, value, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (namespace, cache_key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
       WHERE apikey_cache.expires_at <= ?`,
    ),
    delete: database.prepare("DELETE FROM apikey_cache WHERE namespace = ? AND cache_key = ?"),
    deleteIfUnchanged: database.prepare(
      "DELETE FROM apikey_cache WHERE namespace = ? AND cache_key = ? AND value = ?",
    ),
    clear: database.prepare("DELETE FROM apikey_cache WHERE namespace = ?"),
    sweep: database.prepare("DELETE FROM apikey_cache WHERE namespace = ? AND expires_at <= ?"),
  };
}
