/** Shared bits of the end-to-end tests: temp data folders, admin calls, process checks. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sendRequest } from "../src/http-client.js";
import { databasePath } from "../src/key-store/sqlite-key-store.js";

/** A fresh data folder; `remove()` deletes it. */
export function tempDataDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "apikey-demo-test-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Create a key through the API; its id, plaintext and the worker that created it. */
export async function createKey(
  url: string,
  adminKey: string,
  name = "test",
): Promise<{ id: string; key: string }> {
  const response = await sendRequest(`${url}/admin/keys`, {
    method: "POST",
    headers: { "x-api-key": adminKey },
    body: { name },
  });
  if (response.status !== 201)
    throw new Error(`create failed: ${response.status} ${response.text}`);
  const body = response.json as { id: string; key: string };
  return { id: body.id, key: body.key };
}

/** Revoke a key through the API. */
export async function revokeKey(url: string, adminKey: string, id: string): Promise<unknown> {
  const response = await sendRequest(`${url}/admin/keys/${id}`, {
    method: "DELETE",
    headers: { "x-api-key": adminKey },
  });
  if (response.status !== 200)
    throw new Error(`revoke failed: ${response.status} ${response.text}`);
  return response.json;
}

/**
 * The database as another process sees it: row count and SQLite's `data_version`, which
 * changes whenever any other connection commits a write.
 */
export function databaseWriteProbe(dataDir: string): {
  snapshot(): { rows: number; version: number };
  close(): void;
} {
  const db = new Database(databasePath(dataDir), { readonly: true, fileMustExist: true });
  return {
    snapshot: () => ({
      rows: (db.prepare("SELECT COUNT(*) AS n FROM api_keys").get() as { n: number }).n,
      version: db.pragma("data_version", { simple: true }) as number,
    }),
    close: () => db.close(),
  };
}

/** True while a process with this pid exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Pids of the live children of `parentPid`, read from `/proc` (Linux). */
export function childPids(parentPid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === parentPid) children.push(Number(entry));
  }
  return children;
}

/** Wait until `predicate` holds, polling every 50 ms, up to `capMs`; returns its last value. */
export async function waitFor(predicate: () => boolean, capMs: number): Promise<boolean> {
  const deadline = Date.now() + capMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
