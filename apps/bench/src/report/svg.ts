/** The few SVG pieces the charts need, written by hand (no charting dependency). */

/** Escape text for an SVG text node or attribute. */
export function escapeXml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** A number for an attribute: at most one decimal, no "-0". */
export function coordinate(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/** `<text>` at (x, y). */
export function svgText(
  x: number,
  y: number,
  text: string,
  options: {
    anchor?: "start" | "middle" | "end";
    size?: number;
    weight?: "bold";
    fill?: string;
  } = {},
): string {
  const attributes = [
    `x="${coordinate(x)}"`,
    `y="${coordinate(y)}"`,
    `font-size="${options.size ?? 11}"`,
    options.anchor === undefined || options.anchor === "start"
      ? ""
      : `text-anchor="${options.anchor}"`,
    options.weight === undefined ? "" : `font-weight="${options.weight}"`,
    `fill="${options.fill ?? "#1f2937"}"`,
    // A white outline under the glyphs keeps a figure readable where a grid line crosses it.
    'paint-order="stroke" stroke="#ffffff" stroke-width="3" stroke-linejoin="round"',
  ].filter((attribute) => attribute !== "");
  return `<text ${attributes.join(" ")}>${escapeXml(text)}</text>`;
}

/** `<rect>`; a zero or negative width draws nothing. */
export function svgRect(
  x: number,
  y: number,
  width: number,
  height: number,
  fill: string,
  title?: string,
): string {
  if (!(width > 0) || !(height > 0)) return "";
  const shape = `<rect x="${coordinate(x)}" y="${coordinate(y)}" width="${coordinate(width)}" height="${coordinate(height)}" fill="${fill}"`;
  return title === undefined ? `${shape}/>` : `${shape}><title>${escapeXml(title)}</title></rect>`;
}

/** `<line>`. */
export function svgLine(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  stroke: string,
  options: { width?: number; dash?: string } = {},
): string {
  const dash = options.dash === undefined ? "" : ` stroke-dasharray="${options.dash}"`;
  return `<line x1="${coordinate(x1)}" y1="${coordinate(y1)}" x2="${coordinate(x2)}" y2="${coordinate(y2)}" stroke="${stroke}" stroke-width="${options.width ?? 1}"${dash}/>`;
}

/** The whole document: a white background and `body`. */
export function svgDocument(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    svgRect(0, 0, width, height, "#ffffff"),
    ...body.filter((element) => element !== ""),
    "</svg>",
    "",
  ].join("\n");
}

/** Bar colours by who the contender is. */
export const KIND_COLOURS = {
  ours: "#2563eb",
  floor: "#059669",
  raw: "#6b7280",
  peer: "#d97706",
} as const;
