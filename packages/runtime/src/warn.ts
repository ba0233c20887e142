/**
 * The runtime's only output during calls: warnings (each said once per
 * process) and debug lines, both to stderr.
 */

const said = new Set<string>();

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

/** Forgets which warnings were said (tests). */
export function resetWarnings(): void {
  said.clear();
}
