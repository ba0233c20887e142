/**
 * How `ls`, `clear --file` and their remote forms match and order entries by
 * the file and function they belong to, in the local and the remote store alike.
 */

/** Whether an entry's file is the one asked for (`src/a.ts`, `./src/a.ts` and `src\a.ts` alike). */
export function sameFile(stored: string, wanted: string): boolean {
  const normalize = (path: string) => path.replaceAll("\\", "/").replace(/^\.\//, "");
  return normalize(stored) === normalize(wanted);
}

/** By file, then by function name, in code-unit order (the same on every machine and locale). */
export function byFileAndName(a: { file: string; name: string }, b: { file: string; name: string }): number {
  return compare(a.file, b.file) || compare(a.name, b.name);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
