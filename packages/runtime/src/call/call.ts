/**
 * One call of a cached function as it goes through the steps of `runCached`,
 * and the store directories this process found it cannot use.
 */
import type { Settings } from "../config.js";
import type { Recorder } from "../inputs/index.js";
import type { KeyParts } from "../key-change.js";
import type { PartEncodings } from "../key/index.js";
import type { CachedFunctionMeta } from "../meta.js";
import type { Store } from "../store/index.js";

/** Store directories this process cannot read (any use) or cannot write. */
export const unreadableDirs = new Set<string>();

export const unwritableDirs = new Set<string>();

/** One call of a cached function, as it goes through the steps below. */
export interface Call<T> {
  readonly meta: CachedFunctionMeta;
  readonly values: unknown[];
  readonly compute: (...values: unknown[]) => Promise<T>;
  readonly settings: Settings;
  /** The recorder of the cached call computing around this one, if any: it gets this call's inputs too. */
  readonly parent: Recorder | undefined;
  /** `performance.now()` at the start: a hit's own time, for the time it saved. */
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
