/**
 * Rendering, separate from running: results in, the three generated files' contents out. The
 * CLI (`src/bench-report.ts`) writes them; the test renders a fixture and checks the output.
 */
import type { BenchResults } from "../harness/results.js";
import { renderLatencyChart } from "./latency-chart.js";
import { renderRatioChart } from "./ratio-chart.js";
import { renderMarkdown } from "./render-markdown.js";

/** The generated files, by path relative to the repository root. */
export interface RenderedReport {
  "BENCHMARKS.md": string;
  "benchmarks/ratios.svg": string;
  "benchmarks/latency.svg": string;
}

/** Render BENCHMARKS.md and its two charts from `results`. */
export function renderReport(results: BenchResults): RenderedReport {
  return {
    "BENCHMARKS.md": renderMarkdown(results, {
      ratios: "benchmarks/ratios.svg",
      latency: "benchmarks/latency.svg",
    }),
    "benchmarks/ratios.svg": renderRatioChart(results),
    "benchmarks/latency.svg": renderLatencyChart(results),
  };
}
