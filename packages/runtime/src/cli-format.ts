/**
 * What the CLI's commands print with, local and remote alike: the output
 * channel and the table and size formats. Apart from `cli.ts` so that the
 * remote commands need not import the bin entry.
 */
import type { FunctionRow, FunctionSummary } from "./api.js";

/** Where the CLI writes; each call is one line or block without its final newline. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Overwrites a progress line (only given on a terminal, outside CI); "" clears it. */
  progress?(text: string): void;
}

export function table(rows: readonly (FunctionSummary & Partial<Pick<FunctionRow, "superseded">>)[]): string {
  // The SUPERSEDED column shows only when there is something in it.
  const superseded = rows.some((row) => (row.superseded ?? 0) > 0);
  const header = ["FUNCTION", "FILE", "ENTRIES", "SIZE", ...(superseded ? ["SUPERSEDED"] : []), "LAST USED"];
  const cells = rows.map((row) => [
    row.name,
    row.file,
    String(row.entries),
    formatSize(row.size),
    ...(superseded ? [String(row.superseded ?? 0)] : []),
    row.lastUsed.toISOString().replace(/\.\d+Z$/, "Z"),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i]!.length)));
  const numeric = new Set(superseded ? [2, 3, 4] : [2, 3]);
  const line = (cell: string[]) =>
    cell.map((text, i) => (numeric.has(i) ? text.padStart(widths[i]!) : text.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
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
