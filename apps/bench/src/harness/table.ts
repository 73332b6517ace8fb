/** Plain-text tables for the terminal (and for pasting into a README as Markdown). */

/** A column: its header and whether its cells are right-aligned (numbers). */
export interface Column {
  header: string;
  alignRight?: boolean;
}

/** Render rows as a Markdown table with padded columns, readable both raw and rendered. */
export function renderTable(columns: readonly Column[], rows: readonly string[][]): string {
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...rows.map((row) => (row[index] ?? "").length), 3),
  );
  const line = (cells: readonly string[]): string =>
    `| ${columns
      .map((column, index) => {
        const cell = cells[index] ?? "";
        const width = widths[index] as number;
        return column.alignRight === true ? cell.padStart(width) : cell.padEnd(width);
      })
      .join(" | ")} |`;
  const rule = `| ${columns
    .map((column, index) => {
      const dashes = "-".repeat(widths[index] as number);
      return column.alignRight === true ? `${dashes.slice(1)}:` : dashes;
    })
    .join(" | ")} |`;
  return [line(columns.map((column) => column.header)), rule, ...rows.map(line)].join("\n");
}

/** `1234567.8` → `"1,234,568"`. */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a";
}
