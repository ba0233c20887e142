/**
 * `cachephant explain` and the report's data: every cached function the
 * latest builds recorded or the store holds results of, and the one a
 * user names (`name`, `file:name` or `file:line`).
 */
import { list, storeDir, type StoreOptions } from "../api.js";
import { builtModules } from "../built-functions.js";
import { settingsFor } from "../config.js";
import { FunctionLookupError } from "../errors.js";
import { nearestNames } from "../nearest.js";
import { explanationOf, type KnownFunction } from "./build.js";
import type { FunctionExplanation } from "./model.js";
import { functionKey, readStoredFunctions } from "./store-facts.js";

export type { FunctionExplanation } from "./model.js";

/** Every cached function known to the latest builds or to the store, sorted by file, then line. */
export async function knownFunctions(options: StoreOptions = {}): Promise<KnownFunction[]> {
  const dir = storeDir(options);
  const [stored, rows] = await Promise.all([readStoredFunctions(dir), list(options)]);
  const known = new Map<string, KnownFunction>();
  for (const module of builtModules(settingsFor().root)) {
    for (const built of module.functions)
      known.set(functionKey(module.file, built.name), { name: built.name, file: module.file, line: built.line, built });
  }
  for (const [key, fn] of stored) {
    const found = known.get(key);
    if (found !== undefined) found.stored = fn;
    else known.set(key, { name: fn.name, file: fn.file, line: fn.line, stored: fn });
  }
  for (const row of rows) {
    const found = known.get(functionKey(row.file, row.name));
    if (found !== undefined) found.row = row;
  }
  return [...known.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/** Explanations of every known function (the report's data). */
export async function explainAll(options: StoreOptions = {}): Promise<FunctionExplanation[]> {
  return (await knownFunctions(options)).map(explanationOf);
}

/**
 * The explanation of the one function `query` names. Throws
 * `FunctionLookupError` when it names none (with the nearest names) or
 * several (with all of them).
 */
export async function explain(query: string, options: StoreOptions = {}): Promise<FunctionExplanation> {
  const known = await knownFunctions(options);
  const matches = matching(query, known);
  if (matches.length === 1) return explanationOf(matches[0]!);
  const where = (fn: KnownFunction) => `${fn.file}:${fn.name} (line ${fn.line})`;
  if (matches.length > 1) {
    throw new FunctionLookupError(
      "CACHEPHANT_AMBIGUOUS_FUNCTION",
      `${JSON.stringify(query)} names ${matches.length} cached functions; name one as file:name or file:line`,
      matches.map(where),
    );
  }
  const nearest = nearestNames(query.slice(query.lastIndexOf(":") + 1), new Set(known.map((fn) => fn.name)));
  const candidates = known.filter((fn) => nearest.includes(fn.name));
  const shown = candidates.length > 0 ? candidates : known.slice(0, 10);
  const hint =
    known.length === 0
      ? "no build recorded a cached function here and the store holds no results (build the project, or run it, first)"
      : candidates.length > 0
        ? "nearest"
        : "cached functions here";
  throw new FunctionLookupError(
    "CACHEPHANT_NO_SUCH_FUNCTION",
    `no cached function matches ${JSON.stringify(query)}; ${hint}`,
    shown.map(where),
  );
}

/** `name`, `file:name` or `file:line` (the file as the build names it, or its end: `lib.ts:price`). */
function matching(query: string, known: readonly KnownFunction[]): KnownFunction[] {
  const colon = query.lastIndexOf(":");
  if (colon === -1) return known.filter((fn) => fn.name === query);
  const file = query.slice(0, colon).replaceAll("\\", "/").replace(/^\.\//, "");
  const what = query.slice(colon + 1);
  const inFile = known.filter((fn) => fn.file === file || fn.file.endsWith(`/${file}`));
  if (/^\d+$/.test(what)) return inFile.filter((fn) => fn.line === Number(what));
  return inFile.filter((fn) => fn.name === what);
}
