/** The first admin key: created once, even when another process writes at the same moment. */
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ensureAdminKey } from "../src/admin-bootstrap.js";
import { databasePath, SqliteKeyStore } from "../src/key-store/sqlite-key-store.js";
import { tempDataDir } from "./helpers.js";

describe("ensureAdminKey on SQLite", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function openStore(): { store: SqliteKeyStore; path: string } {
    const dataDir = tempDataDir();
    const store = SqliteKeyStore.open(dataDir.path, { migrate: true });
    cleanups.push(dataDir.remove, () => store.close());
    return { store, path: databasePath(dataDir.path) };
  }

  it("creates one admin key, then none while it is active", async () => {
    const { store } = openStore();
    const first = await ensureAdminKey(store);
    expect(first?.key).toMatch(/^ak_[A-Za-z0-9_-]{43}$/);
    expect(await ensureAdminKey(store)).toBeUndefined();
    expect((await store.list()).filter((summary) => summary.admin)).toHaveLength(1);
  });

  it("checks and inserts in one write transaction: a second process cannot add an admin in between", async () => {
    const { store, path } = openStore();
    // The other process starting on the same folder: its own connection, failing at once when
    // the database is locked instead of waiting.
    const other = new Database(path);
    other.pragma("busy_timeout = 0");
    cleanups.push(() => other.close());
    let otherWrite: string | undefined;
    const count = store.countActiveAdmins.bind(store);
    // Between the store's check and its insert, the other process does the same check-then-insert.
    store.countActiveAdmins = () => {
      const found = count();
      try {
        other
          .prepare(
            "INSERT INTO api_keys (id, key_hash, name, is_admin, created_at) VALUES ('key_other', 'hash_other', 'admin', 1, 0)",
          )
          .run();
        otherWrite = "committed";
      } catch (error) {
        otherWrite = (error as { code?: string }).code;
      }
      return found;
    };
    expect(await ensureAdminKey(store)).toBeDefined();
    expect(otherWrite).toBe("SQLITE_BUSY");
    expect(
      (await store.list()).filter((summary) => summary.admin && summary.revokedAt === null),
    ).toHaveLength(1);
  });
});
