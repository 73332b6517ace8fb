/**
 * Store failures, which the conformance suite does not cover: this file is the template the
 * backend guide points to. Each test breaks the real store (here: a second connection holds
 * the write lock, another program writes garbage) and checks the typed outcome.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ApiKeyCacheLogger, isApiKeyCacheError } from "@apikey/core";
import Database from "better-sqlite3";
import { afterAll, afterEach, expect, it } from "vitest";
import { SqliteApiKeyCacheBackend } from "../src/index.js";

const directory = mkdtempSync(join(tmpdir(), "apikey-sqlite-faults-"));
const filename = join(directory, "cache.db");
const opened: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const handle of opened.splice(0)) await handle.close();
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function backend(logger?: ApiKeyCacheLogger): SqliteApiKeyCacheBackend {
  const created = new SqliteApiKeyCacheBackend({
    filename,
    namespace: `t:${randomUUID()}:`,
    busyTimeoutMs: 50,
    ...(logger === undefined ? {} : { logger }),
  });
  opened.push(created);
  return created;
}

function rawConnection(): Database.Database {
  const connection = new Database(filename);
  opened.push(connection);
  return connection;
}

const value = { apiKey: "pk_1", active: true };

it("a write blocked by another connection's lock fails as E_BACKEND_UNAVAILABLE within its busy timeout, then recovers", async () => {
  const cache = backend();
  const other = rawConnection();
  other.exec("BEGIN EXCLUSIVE");
  const started = performance.now();
  const error = await cache.set("k", value, 60).catch((caught: unknown) => caught);
  expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE")).toBe(true);
  expect((error as Error).cause).toBeInstanceOf(Error);
  expect(performance.now() - started).toBeLessThan(2000);
  other.exec("COMMIT");
  await cache.set("k", value, 60);
  expect(await cache.get("k")).toEqual(value);
});

it("an undecodable entry is a miss, reported once, and deleted only while unchanged", async () => {
  const warnings: string[] = [];
  const logger: ApiKeyCacheLogger = {
    debug: () => {},
    info: () => {},
    warn: (message) => warnings.push(message),
    error: () => {},
  };
  const cache = backend(logger);
  const other = rawConnection();
  const insert = other.prepare(
    "INSERT OR REPLACE INTO apikey_cache (namespace, cache_key, value, expires_at) VALUES (?, ?, ?, ?)",
  );
  insert.run(cache.namespace, "k", "{not json", Date.now() + 60_000);
  expect(await cache.get("k")).toBeUndefined();
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).not.toContain("{not json");
  const left = other
    .prepare("SELECT count(*) AS n FROM apikey_cache WHERE namespace = ? AND cache_key = ?")
    .get(cache.namespace, "k") as { n: number };
  expect(left.n).toBe(0);
  // A good write after the bad one is never removed by the cleanup.
  await cache.set("k", value, 60);
  expect(await cache.get("k")).toEqual(value);
});

it("a file that cannot be opened is E_BACKEND_UNAVAILABLE at construction", () => {
  let error: unknown;
  try {
    new SqliteApiKeyCacheBackend({ filename: join(directory, "missing-dir", "x", "cache.db") });
  } catch (caught) {
    error = caught;
  }
  expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE")).toBe(true);
});
