/**
 * The report generator's rendering half, on a small fixture results.json: what BENCHMARKS.md
 * and the two SVG charts must show (machine, versions, load, goals met and missed with their
 * margins, every table and ratio), and the CLI's `--render-only` writing the three files.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BenchResults } from "../src/harness/results.js";
import { renderReport } from "../src/report/render-report.js";
import { parseResults, readResults } from "../src/report/results-file.js";

const FIXTURE = new URL("./fixtures/results.json", import.meta.url);
const BENCH_ROOT = new URL("..", import.meta.url);

let results: BenchResults;

beforeAll(async () => {
  results = await readResults(FIXTURE.pathname);
});

describe("renderReport: BENCHMARKS.md", () => {
  it("states the machine, the versions, the date and the load in its header", () => {
    const markdown = renderReport(results)["BENCHMARKS.md"];
    expect(markdown).toMatch(/^# Benchmarks\n/);
    expect(markdown).toContain("| Node                      | v20.20.2");
    expect(markdown).toContain("| redis-server              | 7.0.15");
    expect(markdown).toContain("2026-12-03T09:00:00.000Z");
    expect(markdown).toContain("2 × Fixture CPU &lt;test>");
    expect(markdown).toContain("3.5 / 2.1 / 1.2 at the start, 4.25 / 2.5 / 1.3 at the end");
  });

  it("warns that a quick run on a busy machine is not a result", () => {
    const markdown = renderReport(results)["BENCHMARKS.md"];
    expect(markdown).toContain("> **Quick profile**");
    expect(markdown).toContain("the 1-minute load average was 3.5 on 2 cores");
    const idle = renderReport({
      ...results,
      settings: { ...results.settings, profile: "full" },
      machine: { ...results.machine, loadAverageAtStart: [0.4, 0.3, 0.2] },
    })["BENCHMARKS.md"];
    expect(idle).not.toContain("Quick profile");
    expect(idle).not.toContain("Busy machine");
  });

  it("shows every goal met or missed, with its margin, and names the missed one up front", () => {
    const markdown = renderReport(results)["BENCHMARKS.md"];
    expect(markdown).toContain(
      "1 of 2 goals met; missed: IoredisApiKeyCacheBackend / raw ioredis (auto-pipelining) @256 (1.20x, goal >= 1.50x, margin -0.30x (-20%)).",
    );
    const goalRows = markdown
      .split("\n")
      .filter((line) => line.startsWith("|") && line.includes("| >= "));
    expect(goalRows).toHaveLength(2);
    expect(goalRows[0]).toMatch(/0\.90x \| >= 0\.80x \|\s+\+0\.10x \(\+13%\) \| met/);
    expect(goalRows[1]).toMatch(/1\.20x \| >= 1\.50x \|\s+-0\.30x \(-20%\) \| \*\*MISSED\*\*/);
  });

  it("embeds both charts and renders the latency percentiles and every suite's tables", () => {
    const markdown = renderReport(results)["BENCHMARKS.md"];
    expect(markdown).toContain("](benchmarks/ratios.svg)");
    expect(markdown).toContain("](benchmarks/latency.svg)");
    expect(markdown).toMatch(
      /\| contender\s+\| batching \|\s+p50 @1 \|\s+p99 @1 \| p50 @256 \| p99 @256 \|/,
    );
    expect(markdown).toMatch(
      /IoredisApiKeyCacheBackend \(batching off\) \| off\s+\|\s+0\.120 ms \|\s+0\.350 ms \|\s+2\.75 ms \|\s+7\.50 ms \|/,
    );
    expect(markdown).toContain("## memory");
    expect(markdown).toContain("## stampede");
    // A pipe inside a cell is escaped, so the row keeps its three cells.
    expect(markdown).toContain("0.90x of Map \\| floor");
    expect(markdown).toContain("- fastest peer in this run (by median ops/s): lru-cache 11");
    // Comparison signs stay readable; only a would-be tag is escaped.
    expect(markdown).toContain("| >= 1.50x |");
  });
});

describe("renderReport: charts", () => {
  it("draws one labelled bar per ratio, the missed goal in red, and escapes labels", () => {
    const svg = renderReport(results)["benchmarks/ratios.svg"];
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    for (const ratio of results.ratios) {
      const label = ratio.label.replaceAll("<", "&lt;").replaceAll(">", "&gt;");
      expect(svg).toContain(`<title>${label}</title>`);
    }
    expect(svg).not.toContain("<auto-pipelining>");
    expect(svg).toContain(
      'fill="#dc2626"><title>IoredisApiKeyCacheBackend / raw ioredis &lt;auto-pipelining&gt; @256',
    );
    expect(svg).toContain("1.20x missed");
    expect(svg).toContain("0.90x met");
    // 4.5x is past the axis (3x at most): cut, with its value.
    expect(svg).toContain("4.50x →");
  });

  it("draws p50 and p99 bars per contender and concurrency on the latency chart", () => {
    const svg = renderReport(results)["benchmarks/latency.svg"];
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain(">1 in flight</text>");
    expect(svg).toContain(">256 in flight</text>");
    for (const label of ["0.100 / 0.300", "0.120 / 0.350", "2.50 / 6.25", "2.75 / 7.50"]) {
      expect(svg).toContain(`>${label}</text>`);
    }
    const bars = svg.match(/<rect [^>]*><title>/g) ?? [];
    expect(bars).toHaveLength(results.latencies.length * 2);
  });
});

describe("parseResults", () => {
  it("rejects a file of another schema or shape with a clear error", () => {
    expect(() => parseResults({ ...results, schemaVersion: 99 }, "old.json")).toThrow(
      "old.json is not a bench results file: schemaVersion is 99, expected 1",
    );
    expect(() => parseResults({ ...results, goals: undefined }, "x.json")).toThrow(
      'x.json is not a bench results file: no "goals" array',
    );
    expect(() => parseResults({ schemaVersion: 1 }, "x.json")).toThrow('no "machine" object');
    expect(() => parseResults("text", "x.json")).toThrow(
      expect.objectContaining({
        code: "E_CONFIG",
        message: "x.json is not a bench results file: not a JSON object",
      }),
    );
  });
});

describe("bench:report --render-only", () => {
  let outDir: string;
  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), "bench-report-test-"));
    await mkdir(join(outDir, "benchmarks"));
    await writeFile(join(outDir, "benchmarks/results.json"), await readFile(FIXTURE));
  });
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it("writes BENCHMARKS.md and both charts from results.json without measuring", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "--conditions=@apikey/source",
        "--import",
        "tsx",
        "src/bench-report.ts",
        "--render-only",
        "--out",
        outDir,
      ],
      { cwd: BENCH_ROOT.pathname, timeout: 60_000 },
    );
    expect(stdout).not.toContain("## memory");
    const expected = renderReport(results);
    for (const [path, content] of Object.entries(expected)) {
      expect(await readFile(join(outDir, path), "utf8")).toBe(content);
    }
  });
});
