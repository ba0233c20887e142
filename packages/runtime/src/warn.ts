/**
 * The runtime's only output during calls: warnings (each said once per
 * process) and debug lines, both to stderr.
 */
import type { CachedFunctionMeta } from "./meta.js";

const said = new Set<string>();
const debugSaid = new Set<string>();

/** How output names a cached function: `loadReport (src/data.ts:3)`. */
export function label(meta: CachedFunctionMeta): string {
  return `${meta.name} (${meta.file}:${meta.line})`;
}

/**
 * Writes `cachephant: <message>` to stderr unless a warning with the same
 * `id` was written before in this process. Returns whether it was written.
 */
export function warnOnce(id: string, message: string): boolean {
  if (said.has(id)) return false;
  said.add(id);
  process.stderr.write(`cachephant: ${message}\n`);
  return true;
}

/** One `CACHEPHANT_DEBUG` line: `cachephant hit loadReport (src/data.ts:3) 1.2ms`. */
export function debugLine(line: string): void {
  process.stderr.write(`cachephant ${line}\n`);
}

/** A debug line that is a note rather than a call's outcome, said once per `id` and process. */
export function debugOnce(id: string, line: string): void {
  if (debugSaid.has(id)) return;
  debugSaid.add(id);
  debugLine(line);
}

/** Forgets which warnings and debug notes were said (tests). */
export function resetWarnings(): void {
  said.clear();
  debugSaid.clear();
}
