/**
 * What the CLI's commands print with, local and remote alike: the output
 * channel and the table and size formats. Apart from `cli.ts` so that the
 * remote commands need not import the bin entry.
 */
import type { FunctionRow, FunctionSummary } from "./api.js";

/** Where the CLI writes; each call is one line or block without its final newline. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Overwrites a progress line (only given on a terminal, outside CI); "" clears it. */
  progress?: (text: string) => void;
}

/** `1 entry`, `2 entries`: a count with the word that agrees with it. */
export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A row of `table`: the remote's rows have no counts and no superseded mark. */
export type TableRow = FunctionSummary & Partial<Pick<FunctionRow, "superseded" | "hits" | "misses" | "savedMs">>;
type Column = [title: string, numeric: boolean, cell: (row: TableRow) => string];

export function table(rows: readonly TableRow[]): string {
  // Counts show for the local store (the remote has none); SUPERSEDED only when there is something in it.
  const counted = rows.some((row) => row.hits !== undefined);
  const superseded = rows.some((row) => (row.superseded ?? 0) > 0);
  const counts: Column[] = [
    ["HITS", true, (row) => String(row.hits ?? 0)],
    ["MISSES", true, (row) => String(row.misses ?? 0)],
    ["SAVED", true, (row) => formatDuration(row.savedMs ?? 0)],
  ];
  const columns: Column[] = [
    ["FUNCTION", false, (row) => row.name],
    ["FILE", false, (row) => row.file],
    ["ENTRIES", true, (row) => String(row.entries)],
    ["SIZE", true, (row) => formatSize(row.size)],
    ...(counted ? counts : []),
    ...(superseded ? [["SUPERSEDED", true, (row: TableRow) => String(row.superseded ?? 0)] satisfies Column] : []),
    ["LAST USED", false, (row) => row.lastUsed.toISOString().replace(/\.\d+Z$/, "Z")],
  ];
  const cells = rows.map((row) => columns.map(([, , cell]) => cell(row)));
  const header = columns.map(([title]) => title);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i]!.length)));
  const line = (cell: string[]) =>
    cell
      .map((text, i) => (columns[i]![1] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}

/** A time in the largest unit that keeps it readable: 850ms, 12.3s, 4.5m, 2.1h (negative: reading cost more than computing). */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)}ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(1)}s`;
  if (abs < 3_600_000) return `${sign}${(abs / 60_000).toFixed(1)}m`;
  return `${sign}${(abs / 3_600_000).toFixed(1)}h`;
}

/** Bytes in powers of 1000, like the sizes users write (`500MB`). */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = "B";
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value.toFixed(1)} ${unit}`;
}
