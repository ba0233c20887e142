/**
 * One call of a cached function as it goes through the steps of `runCached`,
 * and the store directories this process found it cannot use.
 */
import type { Settings } from "../config.js";
import type { Recorder } from "../inputs/index.js";
import type { KeyParts } from "../key-change.js";
import type { PartEncodings } from "../key/index.js";
import type { CachedFunctionMeta } from "../meta.js";
import { countHit, type Store } from "../store/index.js";

/**
 * Milliseconds from an arbitrary start, to time a call. `process.hrtime`, not
 * `performance.now()`: the first use of the `performance` global loads
 * perf_hooks, 2-4 ms of a fresh process's first hit.
 */
export function clock(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}

/** Store directories this process cannot read (any use) or cannot write. */
export const unreadableDirs = new Set<string>();

export const unwritableDirs = new Set<string>();

/**
 * What joiners of a running call get: bytes to decode their own copy from,
 * or, when the result could not be encoded, the value itself.
 */
export type Outcome = ({ readonly bytes: Uint8Array } | { readonly value: unknown }) & {
  readonly inputs?: unknown;
  /** What computing the result took (ms), when known: a joiner's time saved is counted from it. */
  readonly computeMs?: number | undefined;
};

/** One call of a cached function, as it goes through the steps below. */
export interface Call<T> {
  readonly meta: CachedFunctionMeta;
  readonly values: unknown[];
  readonly compute: (...values: unknown[]) => Promise<T>;
  readonly settings: Settings;
  /** The recorder of the cached call computing around this one, if any: it gets this call's inputs too. */
  readonly parent: Recorder | undefined;
  /** `clock()` at the start: a hit's own time, for the time it saved. */
  readonly started: number;
  /** Computes and overwrites its entry without reading it (`CACHEPHANT=refresh`, `refresh()`). */
  refresh?: boolean;
  /** The values of the outside variables and the state the key was made of. */
  scope?: readonly unknown[];
  state?: readonly unknown[];
  /** What computing took (ms), recorded in the entry it writes. */
  computeMs?: number;
  /** Each part's encoding as the key was made of it (a miss digests them instead of walking the values again). */
  encodings?: PartEncodings | undefined;
  /** How many characters (and bytes of binary data) each part's walk keyed, in the order of `encodings`. */
  keyedSizes?: number[];
  /** The key's part digests, taken when the call misses (see `partsOf`). */
  parts?: KeyParts | undefined;
}

/** Forgets which store directories failed (tests). */
export function resetStoreFailures(): void {
  unreadableDirs.clear();
  unwritableDirs.clear();
}

export function usable(store: Store): boolean {
  return !unwritableDirs.has(store.dir) && !unreadableDirs.has(store.dir);
}

/** Counts a call served without computing, and the time it saved (none known: none counted). */
export function countServed(call: Call<unknown>, computeMs: number | undefined): void {
  const saved = computeMs === undefined ? 0 : computeMs - (clock() - call.started);
  countHit(call.settings.dir, call.meta.name, call.meta.file, saved);
}
