/**
 * `pnpm bench:report`: run every suite (or those `--suite` names) and write, generated:
 * `benchmarks/results.json`, `BENCHMARKS.md` and the charts it embeds (`benchmarks/*.svg`),
 * under the repository root (or `--out DIR`). Running and rendering are separate steps:
 * `--render-only` re-renders an existing results.json without measuring anything.
 * Every other flag is `pnpm bench`'s (see `pnpm bench -- --help`), `--quick` included.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiKeyCacheError } from "@apikey/core";
import { parseBenchOptions } from "./harness/bench-options.js";
import { runSuites } from "./harness/run-suites.js";
import { renderReport } from "./report/render-report.js";
import { readResults, writeResults } from "./report/results-file.js";

const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const RESULTS_PATH = "benchmarks/results.json";

async function main(argv: string[]): Promise<void> {
  const own = takeOwnFlags(argv);
  const outDir = resolve(own.outDir ?? REPOSITORY_ROOT);
  const resultsPath = join(outDir, RESULTS_PATH);
  if (!own.renderOnly) {
    const results = await runSuites(parseBenchOptions(own.rest, process.env));
    await writeResults(resultsPath, results);
    console.log(`\nwrote ${resultsPath}`);
  }
  const rendered = renderReport(await readResults(resultsPath));
  for (const [path, content] of Object.entries(rendered)) {
    const target = join(outDir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    console.log(`wrote ${target}`);
  }
}

/** `--render-only` and `--out DIR` are this command's; the rest go to the bench options. */
function takeOwnFlags(argv: string[]): { renderOnly: boolean; outDir?: string; rest: string[] } {
  const rest: string[] = [];
  let renderOnly = false;
  let outDir: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === "--render-only") renderOnly = true;
    else if (arg === "--out") {
      outDir = argv[++index];
      if (outDir === undefined || outDir.startsWith("--")) {
        throw new ApiKeyCacheError(
          "E_CONFIG",
          "--out needs a directory, e.g. --out /tmp/bench-report",
        );
      }
    } else if (arg.startsWith("--out=")) outDir = arg.slice("--out=".length);
    else rest.push(arg);
  }
  return outDir === undefined ? { renderOnly, rest } : { renderOnly, outDir, rest };
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error("bench:report failed:", error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
