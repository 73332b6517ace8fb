/**
 * Print a table to the terminal and keep it for `benchmarks/results.json`: every table a suite
 * shows goes through here, so the generated BENCHMARKS.md shows what the terminal showed.
 */
import type { TableRecord } from "./results.js";
import type { SuiteContext } from "./suite.js";
import { renderTable } from "./table.js";

/** Print `table` (title, rows, notes) and record it in the run's results. */
export function reportTable(
  context: Pick<SuiteContext, "results">,
  table: Omit<TableRecord, "notes"> & { notes?: string[] },
): void {
  const record: TableRecord = { ...table, notes: table.notes ?? [] };
  console.log(`\n${record.title}\n`);
  console.log(renderTable(record.columns, record.rows));
  for (const note of record.notes) console.log(note);
  context.results.table(record);
}
