/**
 * The names nearest to a misspelled one (a setting, a function for
 * `clear --fn`), for "did you mean …?" hints. Edit distance over small lists.
 */

/** Levenshtein distance, case-insensitive (`maxsize` is one typo of `maxSize`, not six). */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/**
 * Up to `limit` of `candidates` nearest to `name`, nearest first: those within
 * a third of the name's length (at least 2 edits), or, for a name that
 * contains or is contained in a candidate, that candidate too.
 */
export function nearestNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const bound = Math.max(2, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  const scored: Array<[string, number]> = [];
  for (const candidate of new Set(candidates)) {
    const distance = editDistance(name, candidate);
    const other = candidate.toLowerCase();
    if (distance <= bound || (lower.length >= 3 && (other.includes(lower) || lower.includes(other)))) {
      scored.push([candidate, distance]);
    }
  }
  scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  return scored.slice(0, limit).map(([candidate]) => candidate);
}
