import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBackendChecks } from "@apikey/conformance";
import { afterAll, expect, it } from "vitest";
import { brokenBackendOptions, EXPECTED_FAILURES } from "../scripts/broken-sqlite-backend.js";

const directory = mkdtempSync(join(tmpdir(), "apikey-sqlite-broken-"));
const filename = join(directory, "cache.db");
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it("the suite catches each defect of the broken variant, and passes what it does right", async () => {
  const results = await runBackendChecks(brokenBackendOptions(filename), {
    groups: ["basic", "ttl", "concurrency"],
  });
  const status = new Map(results.map((result) => [result.id, result.status]));
  for (const id of Object.keys(EXPECTED_FAILURES)) expect(status.get(id), id).toBe("failed");
  for (const result of results.filter((entry) => entry.group === "basic")) {
    expect(result.status, result.id).toBe("passed");
  }
}, 60_000);
