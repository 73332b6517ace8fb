/**
 * The latency chart: one panel per number of calls in flight (1, 16, 256), one row per
 * contender, a dark bar for p50 and a light one behind it reaching p99. Each panel has its own
 * linear scale (latency at 256 in flight is two orders above 1 in flight); the values are
 * printed next to the bars.
 */
import type { BenchResults, LatencyRecord } from "../harness/results.js";
import { KIND_COLOURS, svgDocument, svgLine, svgRect, svgText } from "./svg.js";

const LABEL_WIDTH = 330;
const PANEL_WIDTH = 250;
const PANEL_GAP = 20;
const ROW_HEIGHT = 22;
const TOP = 70;

/** The latency chart of `results` as an SVG document. */
export function renderLatencyChart(results: BenchResults): string {
  const latencies = results.latencies;
  const concurrencies = [...new Set(latencies.map((entry) => entry.concurrency))].sort(
    (a, b) => a - b,
  );
  const contenders = [...new Set(latencies.map((entry) => entry.contender))];
  const width = LABEL_WIDTH + concurrencies.length * (PANEL_WIDTH + PANEL_GAP) + 10;
  const height = TOP + Math.max(1, contenders.length) * ROW_HEIGHT + 50;
  const title = `Latency per call, p50 (dark) and p99 (light), ${results.machine.startedAt.slice(0, 10)}, ${results.settings.profile} profile, load ${results.machine.loadAverageAtStart[0]}`;
  const body: string[] = [svgText(10, 20, title, { size: 14, weight: "bold" })];
  contenders.forEach((contender, row) => {
    body.push(
      svgText(LABEL_WIDTH - 8, TOP + row * ROW_HEIGHT + 14, contender, { anchor: "end", size: 11 }),
    );
  });
  concurrencies.forEach((concurrency, panel) => {
    const left = LABEL_WIDTH + panel * (PANEL_WIDTH + PANEL_GAP);
    const entries = latencies.filter((entry) => entry.concurrency === concurrency);
    const scaleMax = Math.max(1e-6, ...entries.map((entry) => finite(entry.p99Ms)));
    const plotWidth = PANEL_WIDTH - 70;
    const x = (ms: number): number => left + (finite(ms) / scaleMax) * plotWidth;
    body.push(
      svgText(left, TOP - 30, `${concurrency} in flight`, { size: 12, weight: "bold" }),
      svgText(left, TOP - 14, `scale 0–${scaleMax.toFixed(2)} ms; labels p50 / p99 ms`, {
        size: 10,
        fill: "#6b7280",
      }),
      svgLine(left, TOP - 6, left, TOP + contenders.length * ROW_HEIGHT, "#9ca3af"),
    );
    for (const entry of entries) {
      const row = contenders.indexOf(entry.contender);
      body.push(...latencyBars(entry, TOP + row * ROW_HEIGHT + 4, left, x));
    }
  });
  body.push(
    svgText(
      10,
      height - 16,
      "colour: blue ours, grey raw client, amber peer; batching on/off in the row name",
      {
        size: 10,
        fill: "#6b7280",
      },
    ),
  );
  return svgDocument(width, height, title, body);
}

function latencyBars(
  entry: LatencyRecord,
  y: number,
  left: number,
  x: (ms: number) => number,
): string[] {
  const colour = KIND_COLOURS[entry.kind];
  const label = `${entry.contender} @${entry.concurrency}: p50 ${entry.p50Ms.toFixed(3)} ms, p99 ${entry.p99Ms.toFixed(3)} ms`;
  return [
    svgRect(left, y, x(entry.p99Ms) - left, 14, `${colour}55`, label),
    svgRect(left, y + 3, x(entry.p50Ms) - left, 8, colour, label),
    svgText(x(entry.p99Ms) + 4, y + 11, `${shortMs(entry.p50Ms)} / ${shortMs(entry.p99Ms)}`, {
      size: 9,
    }),
  ];
}

/** Three decimals below 1 ms, two above: `0.021`, `20.48`. */
function shortMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  return ms < 1 ? ms.toFixed(3) : ms.toFixed(2);
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}
