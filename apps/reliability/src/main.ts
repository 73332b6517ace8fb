/**
 * `pnpm test:reliability [--profile short|long]`: runs every scenario in order, writes
 * RELIABILITY.md at the repository root, and exits 1 if any check failed (2 if the suite
 * itself crashed).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isApiKeyCacheError } from "@apikey/core";
import { resolveRedisServerBinary } from "@apikey/redis-test-server";
import { rowChecks } from "./checks.js";
import { parseProfile } from "./profile.js";
import { renderReport } from "./report.js";
import { type Check, LOADER_MS, type Scenario, type ScenarioResult } from "./scenario.js";
import { SCENARIOS } from "./scenarios/index.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const REPORT_PATH = `${ROOT}RELIABILITY.md`;

/** The repository's formatter owns Markdown layout (tables): the report is written its way. */
function formatReport(): void {
  execFileSync("pnpm", ["exec", "biome", "format", "--write", "RELIABILITY.md"], {
    cwd: ROOT,
    stdio: "ignore",
  });
}

async function runScenario(scenario: Scenario, profile: ReturnType<typeof parseProfile>) {
  const startedAt = performance.now();
  const outcome = await scenario.run(profile);
  const result: ScenarioResult = {
    name: scenario.name,
    description: scenario.description,
    ...outcome,
    durationMs: performance.now() - startedAt,
  };
  const checks = [
    ...outcome.checks,
    ...outcome.rows.flatMap((row) => rowChecks(row, LOADER_MS, outcome.recoveryBounds?.[row.kind])),
  ];
  return { result, checks };
}

async function main(): Promise<number> {
  const profile = parseProfile(process.argv.slice(2));
  const only = process.env.RELIABILITY_ONLY?.split(",").filter((name) => name !== "");
  const startedAt = performance.now();
  const redisVersion = execFileSync(resolveRedisServerBinary(), ["--version"], { encoding: "utf8" })
    .trim()
    .split(" ")
    .slice(0, 3)
    .join(" ");
  const results: ScenarioResult[] = [];
  const checks: Array<Check & { scenario: string }> = [];
  for (const scenario of SCENARIOS) {
    if (only !== undefined && !only.includes(scenario.name)) continue;
    const { result, checks: own } = await runScenario(scenario, profile);
    results.push(result);
    checks.push(...own.map((check) => ({ ...check, scenario: scenario.name })));
    const bad = own.filter((check) => !check.passed);
    console.log(
      `reliability: ${scenario.name}: ${(result.durationMs / 1000).toFixed(1)} s, ${own.length - bad.length}/${own.length} checks passed`,
    );
    for (const check of bad) console.log(`  FAILED ${check.label}: ${check.detail}`);
  }
  const totalMs = performance.now() - startedAt;
  writeFileSync(REPORT_PATH, renderReport({ profile, redisVersion, results, checks, totalMs }));
  formatReport();
  const failed = checks.filter((check) => !check.passed).length;
  console.log(
    `reliability: ${checks.length - failed}/${checks.length} checks passed in ${(totalMs / 1000).toFixed(1)} s; wrote RELIABILITY.md`,
  );
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isApiKeyCacheError(error, "E_CONFIG")) {
      console.error(`reliability: ${error.message}`);
      process.exit(2);
    }
    console.error("reliability suite crashed:", error);
    process.exit(2);
  },
);
