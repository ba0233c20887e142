/**
 * The store api as the package's entry exports it: `list`, `clear`, `prune`,
 * `verify` and `stats` load their implementation (`api.ts`, `stats-view.ts`:
 * the side index, the pruner, the scans) on their first call, so a program
 * that only calls cached functions never loads it (docs/store.md, "A hit").
 */
import type {
  ClearReport,
  ClearTarget,
  FunctionRow,
  PruneOptions,
  PruneReport,
  StoreOptions,
  VerifyOptions,
  VerifyReport,
} from "./api.js";
import type { CacheStats } from "./stats-view.js";

let apiModule: Promise<typeof import("./api.js")> | undefined;
const api = () => (apiModule ??= import("./api.js"));

/** One row per cached function in the store, sorted by file, then name (see `api.ts`). */
export async function list(options?: StoreOptions): Promise<FunctionRow[]> {
  return (await api()).list(options);
}

/** Removes all entries, or those of one function or file; safe beside running programs (see `api.ts`). */
export async function clear(target?: ClearTarget): Promise<ClearReport> {
  return (await api()).clear(target);
}

/** Removes expired, superseded and least recently used entries until the store fits `maxSize` (see `api.ts`). */
export async function prune(options?: PruneOptions): Promise<PruneReport> {
  return (await api()).prune(options);
}

/** Reads every entry and removes the damaged ones (see `api.ts`). */
export async function verify(options?: VerifyOptions): Promise<VerifyReport> {
  return (await api()).verify(options);
}

/** Hits, misses, hit rate and time saved per function in the store (see `stats-view.ts`). */
export async function stats(options?: StoreOptions): Promise<CacheStats> {
  return (await import("./stats-view.js")).stats(options);
}
