/**
 * `stats()`: what the cache did, per function, as data and as a table a
 * notebook shows. The object carries Jupyter's display hook
 * (`Symbol.for("Jupyter.display")`, which the Deno kernel calls on a cell's
 * value), so `await stats()` as a cell's last line renders as a table.
 */
import { list, storeDir, type StoreOptions } from "./api.js";
import { formatDuration, formatSize } from "./cli-format.js";

/** One function's numbers in `stats()`. */
export interface FunctionStats {
  name: string;
  file: string;
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0 when it was never called. */
  hitRate: number;
  /** Time the hits saved (ms): each hit's entry's compute time minus the hit's own time. */
  savedMs: number;
  /** Stored results and their bytes. */
  entries: number;
  size: number;
  lastUsed: Date;
}

/** What `stats()` returns. */
export interface CacheStats {
  /** Absolute directory of the store. */
  dir: string;
  /** Most time saved first. */
  functions: FunctionStats[];
  total: { hits: number; misses: number; hitRate: number; savedMs: number; entries: number; size: number };
}

const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

/**
 * Hits, misses, hit rate and time saved per function in the store, counting
 * the processes that exited and this one so far. In a Deno Jupyter notebook,
 * a cell ending in `await stats()` shows them as a table.
 */
export async function stats(options: StoreOptions = {}): Promise<CacheStats> {
  const rows = await list(options);
  const functions = rows
    .map(({ name, file, hits, misses, savedMs, entries, size, lastUsed }) => ({
      name,
      file,
      hits,
      misses,
      hitRate: rate(hits, misses),
      savedMs,
      entries,
      size,
      lastUsed,
    }))
    .sort((a, b) => b.savedMs - a.savedMs);
  const sum = (of: (row: FunctionStats) => number) => functions.reduce((total, row) => total + of(row), 0);
  const hits = sum((row) => row.hits);
  const misses = sum((row) => row.misses);
  const total = {
    hits,
    misses,
    hitRate: rate(hits, misses),
    savedMs: sum((row) => row.savedMs),
    entries: sum((row) => row.entries),
    size: sum((row) => row.size),
  };
  const result: CacheStats = { dir: storeDir(options), functions, total };
  // Not enumerable: JSON and console output show the numbers only.
  Object.defineProperty(result, JUPYTER_DISPLAY, {
    value: () => ({ "text/html": html(result), "text/plain": plain(result) }),
  });
  return result;
}

function rate(hits: number, misses: number): number {
  return hits + misses === 0 ? 0 : hits / (hits + misses);
}

const HEADER = ["function", "file", "hits", "misses", "hit rate", "saved", "entries", "size"];

function cells(row: FunctionStats | (CacheStats["total"] & { name: string; file: string })): string[] {
  return [
    row.name,
    row.file,
    String(row.hits),
    String(row.misses),
    `${Math.round(row.hitRate * 100)}%`,
    formatDuration(row.savedMs),
    String(row.entries),
    formatSize(row.size),
  ];
}

function html(view: CacheStats): string {
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const row = (values: string[], tag: "td" | "th") =>
    `<tr>${values.map((value, i) => `<${tag}${i >= 2 ? ' style="text-align:right"' : ""}>${escape(value)}</${tag}>`).join("")}</tr>`;
  const total = cells({ ...view.total, name: "total", file: "" });
  return (
    `<table class="cachephant-stats">` +
    `<thead>${row(HEADER, "th")}</thead>` +
    `<tbody>${view.functions.map((fn) => row(cells(fn), "td")).join("")}</tbody>` +
    `<tfoot>${row(total, "th")}</tfoot></table>`
  );
}

function plain(view: CacheStats): string {
  const rows = [HEADER, ...view.functions.map(cells), cells({ ...view.total, name: "total", file: "" })];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
