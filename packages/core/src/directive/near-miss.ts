/**
 * Strings at the top of a function that look like a misspelled `"use cache"`
 * (`"use cahce"`, `"use  cache"`, `"use-cache"`, `"use cache:"` with nothing
 * after it): a near miss would otherwise cache nothing, silently.
 */

const INTENDED = "use cache";

/**
 * Cheap test of a module's text for anything the near-miss check could
 * report: a quoted `use` followed by something close to `cache`. Modules
 * without it are never parsed for warnings.
 */
export const DIRECTIVE_LIKE = /["']\s*use[\s_-]*(?:ca|ac|ch)/i;

/**
 * The intended spelling of a directive that looks like a misspelled
 * `"use cache"`, or undefined when it does not. `isDirective` tells whether
 * the text already counts as `"use cache"` (then only an empty option list
 * after the colon is a near miss).
 */
export function intendedDirective(value: string, isDirective: boolean): string | undefined {
  const colon = value.indexOf(":");
  const head = colon === -1 ? value : value.slice(0, colon);
  const options = colon === -1 ? "" : value.slice(colon + 1).trim();
  const intended = options === "" ? INTENDED : `${INTENDED}: ${options}`;
  if (isDirective) return colon !== -1 && options === "" ? INTENDED : undefined;
  // Case, and any run of spaces, `-` or `_` between the words: "Use  Cache", "use-cache".
  const words = head
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, " ");
  if (words === INTENDED || words.replace(/ /g, "") === "usecache") return intended;
  // Typos: a letter swapped, missing, doubled or wrong ("use cahce", "use cach").
  return words.startsWith("use") && editDistance(words, INTENDED) <= 2 ? intended : undefined;
}

/** Edit distance where swapping two neighbors counts as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}
