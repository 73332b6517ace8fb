/**
 * `pnpm --filter @apikey/example-sqlite-backend checks:broken`: run the conformance checks
 * against the deliberately broken variant, without vitest, and print what fails and why.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBackendChecks } from "@apikey/conformance";
import { BrokenSqliteBackend } from "./broken-sqlite-backend.js";

const directory = mkdtempSync(join(tmpdir(), "apikey-sqlite-broken-"));
const filename = join(directory, "cache.db");
try {
  const results = await runBackendChecks(
    {
      createBackend: () => new BrokenSqliteBackend({ filename, namespace: `t:${randomUUID()}:` }),
      createWithFakeClock: () => {
        let now = Date.now();
        const backend = new BrokenSqliteBackend({
          filename,
          namespace: `t:${randomUUID()}:`,
          now: () => now,
        });
        return { backend, advance: (ms) => void (now += ms) };
      },
    },
    { groups: ["basic", "ttl", "concurrency"] },
  );
  for (const result of results) {
    const detail = result.status === "failed" ? `  ${String(result.error).split("\n")[0]}` : "";
    console.log(`${result.status.padEnd(7)} ${result.id}${detail}`);
  }
  const failed = results.filter((result) => result.status === "failed").length;
  console.log(`\n${failed} of ${results.length} checks failed, as this variant is meant to.`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
