/**
 * The ratio chart: one horizontal bar per ratio measured side by side (contender over its
 * baseline: a floor, the raw client, a peer), grouped by suite, coloured by who the contender
 * is, with a line at 1x and a tick at each goal. A bar that misses its goal is drawn in red
 * with its value in red: a missed goal is shown, never hidden. Bars beyond the axis end are
 * cut and say their value.
 */
import type { BenchResults, RatioRecord } from "../harness/results.js";
import { KIND_COLOURS, svgDocument, svgLine, svgRect, svgText } from "./svg.js";

const WIDTH = 1100;
const LABEL_WIDTH = 600;
const PLOT_LEFT = LABEL_WIDTH + 10;
const PLOT_WIDTH = WIDTH - PLOT_LEFT - 70;
const ROW_HEIGHT = 18;
const BAR_HEIGHT = 12;
const HEADER_HEIGHT = 22;
const TOP = 56;
/** The axis ends at the largest ratio or goal, but never beyond this. */
const MAX_AXIS = 3;
const MISSED = "#dc2626";

/** The ratio chart of `results` as an SVG document. */
export function renderRatioChart(results: BenchResults): string {
  const ratios = results.ratios.filter((ratio) => Number.isFinite(ratio.ratio));
  const largest = Math.max(1.2, ...ratios.map((ratio) => Math.max(ratio.ratio, ratio.goal ?? 0)));
  const axisMax = Math.min(MAX_AXIS, Math.ceil(largest * 5) / 5);
  const x = (ratio: number): number =>
    PLOT_LEFT + (Math.min(ratio, axisMax) / axisMax) * PLOT_WIDTH;

  const suites = [...new Set(ratios.map((ratio) => ratio.suite))];
  const body: string[] = [];
  let y = TOP;
  for (const suite of suites) {
    body.push(svgText(10, y + 14, suite, { size: 13, weight: "bold" }));
    y += HEADER_HEIGHT;
    for (const ratio of ratios.filter((entry) => entry.suite === suite)) {
      body.push(...bar(ratio, y, x, axisMax));
      y += ROW_HEIGHT;
    }
    y += 6;
  }
  const plotBottom = y;
  const grid: string[] = [];
  for (let tick = 0; tick <= axisMax + 1e-9; tick += axisMax > 1.5 ? 0.5 : 0.25) {
    grid.push(svgLine(x(tick), TOP - 6, x(tick), plotBottom, "#e5e7eb"));
    grid.push(svgText(x(tick), TOP - 10, `${tick.toFixed(2)}x`, { anchor: "middle", size: 10 }));
  }
  grid.push(svgLine(x(1), TOP - 6, x(1), plotBottom, "#111827", { width: 1.5 }));
  const height = plotBottom + 40;
  const legend = legendRow(plotBottom + 22);
  const title = `Ratios measured side by side (contender / baseline), ${results.machine.startedAt.slice(0, 10)}, ${results.settings.profile} profile, load ${results.machine.loadAverageAtStart[0]}`;
  return svgDocument(WIDTH, height, title, [
    svgText(10, 20, title, { size: 14, weight: "bold" }),
    ...grid,
    ...body,
    ...legend,
  ]);
}

function bar(
  ratio: RatioRecord,
  y: number,
  x: (ratio: number) => number,
  axisMax: number,
): string[] {
  const missed = ratio.goal !== undefined && !(ratio.ratio >= ratio.goal);
  const colour = missed ? MISSED : KIND_COLOURS[ratio.kind];
  const valueText = `${ratio.ratio.toFixed(2)}x${ratio.ratio > axisMax ? " →" : ""}${
    ratio.goal === undefined ? "" : missed ? " missed" : " met"
  }`;
  const elements = [
    svgText(LABEL_WIDTH, y + BAR_HEIGHT - 2, truncate(ratio.label, 100), {
      anchor: "end",
      size: 10,
    }),
    svgRect(PLOT_LEFT, y, x(ratio.ratio) - PLOT_LEFT, BAR_HEIGHT, colour, ratio.label),
    // After the bar and after the goal's tick, so neither hides the figure.
    svgText(
      Math.max(x(ratio.ratio), ratio.goal === undefined ? 0 : x(ratio.goal)) + 4,
      y + BAR_HEIGHT - 2,
      valueText,
      {
        size: 10,
        ...(missed ? { fill: MISSED, weight: "bold" as const } : {}),
      },
    ),
  ];
  if (ratio.goal !== undefined) {
    elements.push(
      svgLine(x(ratio.goal), y - 2, x(ratio.goal), y + BAR_HEIGHT + 2, "#111827", { width: 2 }),
    );
  }
  return elements;
}

function legendRow(y: number): string[] {
  const entries: [string, string][] = [
    ["ours", KIND_COLOURS.ours],
    ["floor", KIND_COLOURS.floor],
    ["raw client", KIND_COLOURS.raw],
    ["peer", KIND_COLOURS.peer],
    ["goal missed", MISSED],
  ];
  const elements: string[] = [];
  let x = 10;
  for (const [label, colour] of entries) {
    elements.push(svgRect(x, y - 10, 12, 12, colour), svgText(x + 16, y, label, { size: 11 }));
    x += 110;
  }
  elements.push(
    svgLine(x, y - 11, x, y + 3, "#111827", { width: 2 }),
    svgText(x + 6, y, "goal", { size: 11 }),
  );
  return elements;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
