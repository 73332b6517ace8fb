import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeBackendConformance } from "@apikey/conformance";
import { afterAll } from "vitest";
import { SqliteApiKeyCacheBackend } from "../src/index.js";

// One file for the whole run; every backend gets a namespace of its own in it.
const directory = mkdtempSync(join(tmpdir(), "apikey-sqlite-"));
const filename = join(directory, "cache.db");
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describeBackendConformance<SqliteApiKeyCacheBackend>("SqliteApiKeyCacheBackend", {
  createBackend: () => new SqliteApiKeyCacheBackend({ filename, namespace: `t:${randomUUID()}:` }),
  // A peer is a second connection to the same file and namespace: what another worker has.
  createPeer: (backend) => new SqliteApiKeyCacheBackend({ filename, namespace: backend.namespace }),
  createWithFakeClock: () => {
    let now = Date.now();
    const backend = new SqliteApiKeyCacheBackend({
      filename,
      namespace: `t:${randomUUID()}:`,
      now: () => now,
    });
    return {
      backend,
      advance: (ms) => {
        now += ms;
      },
    };
  },
  capabilities: { sharedBetweenInstances: true },
});
