/**
 * `pnpm --filter @apikey/example-sqlite-backend checks:broken`: run the conformance checks
 * against the deliberately broken variant, without vitest, and print what fails and why.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBackendChecks } from "@apikey/conformance";
import { brokenBackendOptions } from "./broken-sqlite-backend.js";

const directory = mkdtempSync(join(tmpdir(), "apikey-sqlite-broken-"));
const filename = join(directory, "cache.db");
try {
  const results = await runBackendChecks(brokenBackendOptions(filename), {
    groups: ["basic", "ttl", "concurrency"],
  });
  for (const result of results) {
    const detail = result.status === "failed" ? `  ${String(result.error).split("\n")[0]}` : "";
    console.log(`${result.status.padEnd(7)} ${result.id}${detail}`);
  }
  const failed = results.filter((result) => result.status === "failed").length;
  console.log(`\n${failed} of ${results.length} checks failed, as this variant is meant to.`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
