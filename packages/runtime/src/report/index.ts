/**
 * `cachephant report`: every known function's explanation and numbers,
 * written as one static HTML file (`html.ts`).
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { storeDir, type StoreOptions } from "../api.js";
import { explainAll } from "../explain/index.js";
import { reportHtml } from "./html.js";

/** Where the report goes by default, relative to the working directory. */
export const DEFAULT_REPORT_FILE = "cachephant-report.html";

export interface ReportOptions extends StoreOptions {
  /** The file to write. Default: `cachephant-report.html` in the working directory. */
  out?: string;
}

/** Writes the report (atomically) and returns its absolute path and how many functions it shows. */
export async function writeReport(options: ReportOptions = {}): Promise<{ path: string; functions: number }> {
  const functions = await explainAll(options);
  const path = resolve(options.out ?? DEFAULT_REPORT_FILE);
  const html = reportHtml({ dir: storeDir(options), made: new Date(), functions });
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, html);
  renameSync(temporary, path);
  return { path, functions: functions.length };
}
