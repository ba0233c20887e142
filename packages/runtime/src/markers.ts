/**
 * One small "marker" entry per function (name + file) recording the code hash
 * its latest results were written under. It lets a miss tell "new code" (the
 * function has results, but under another hash) from "new arguments".
 * Read at most once per function and process, written only when it changes.
 */
import { hash } from "node:crypto";
import type { CachedFunctionMeta } from "./meta.js";
import type { Store } from "./store.js";

export const MARKER_KEY_PREFIX = "cachephant:v1:fn:";

// Per store dir and function: the hash the marker holds (undefined: no marker), once read.
const known = new Map<string, Promise<string | undefined>>();

export function markerKey(name: string, file: string): string {
  return MARKER_KEY_PREFIX + hash("sha256", `${name}\0${file}`, "base64url");
}

/** The code hash of the function's latest results, if it has any marker. Never throws. */
export function markedHash(store: Store, meta: CachedFunctionMeta): Promise<string | undefined> {
  const id = `${store.dir}\0${markerKey(meta.name, meta.file)}`;
  let pending = known.get(id);
  if (pending === undefined) {
    pending = store.get(markerKey(meta.name, meta.file)).then(
      (read) => (read.status === "found" ? read.metadata.hash : undefined),
      () => undefined,
    );
    known.set(id, pending);
  }
  return pending;
}

/** Records that the function now has results under `meta.hash`. Never throws. */
export async function markCurrentHash(store: Store, meta: CachedFunctionMeta): Promise<void> {
  if ((await markedHash(store, meta)) === meta.hash) return;
  const id = `${store.dir}\0${markerKey(meta.name, meta.file)}`;
  known.set(id, Promise.resolve(meta.hash));
  const metadata = {
    v: 1,
    kind: "marker",
    name: meta.name,
    file: meta.file,
    line: meta.line,
    hash: meta.hash,
    created: Date.now(),
  } as const;
  try {
    await store.put(markerKey(meta.name, meta.file), Buffer.from(meta.hash), metadata);
  } catch {
    // The result write reports a store that cannot be written; a marker is only a hint.
  }
}

/** Forgets what was read (after `clear()`, and in tests). */
export function forgetMarkers(): void {
  known.clear();
}
