/** Reading and writing `benchmarks/results.json`, with a clear error for a file that is not one. */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { ApiKeyCacheError } from "@apikey/core";
import { type BenchResults, RESULTS_SCHEMA_VERSION } from "../harness/results.js";

/** Check that `value` has the shape of {@link BenchResults}; `source` names it in errors. */
export function parseResults(value: unknown, source: string): BenchResults {
  const fail = (what: string): never => {
    throw new ApiKeyCacheError("E_CONFIG", `${source} is not a bench results file: ${what}`);
  };
  if (typeof value !== "object" || value === null) return fail("not a JSON object");
  const record = value as Record<string, unknown>;
  if (record.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    fail(
      `schemaVersion is ${JSON.stringify(record.schemaVersion)}, expected ${RESULTS_SCHEMA_VERSION}`,
    );
  }
  for (const field of ["machine", "settings"]) {
    if (typeof record[field] !== "object" || record[field] === null) fail(`no "${field}" object`);
  }
  for (const field of ["tables", "ratios", "latencies", "goals"]) {
    if (!Array.isArray(record[field])) fail(`no "${field}" array`);
  }
  const machine = record.machine as Record<string, unknown>;
  if (!Array.isArray(machine.loadAverageAtStart) || machine.loadAverageAtStart.length !== 3) {
    fail("machine.loadAverageAtStart is not os.loadavg()'s three numbers");
  }
  return value as BenchResults;
}

/** Read and check a results file. */
export async function readResults(path: string): Promise<BenchResults> {
  const text = await readFile(path, "utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${path} is not valid JSON: ${(error as Error).message}`,
    );
  }
  return parseResults(parsed, path);
}

/** Write `results` as indented JSON, creating the folder. */
export async function writeResults(path: string, results: BenchResults): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}
