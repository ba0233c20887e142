/**
 * One small "marker" entry per function (name + file) recording the code hash
 * its latest results were written under, and what that code was made of
 * (`meta.deps`). It lets a miss tell "new code" (the function has results,
 * but under another hash) from "new arguments", and, in debug mode, name the
 * dependency that changed. Read at most once per function and process,
 * written only when the hash changes.
 *
 * The hash is in the entry's metadata; the content is the writer's
 * `meta.deps` JSON text, or, when it had none (and in markers written before
 * deps existed), the hash itself.
 */
import { hash } from "node:crypto";
import type { CachedFunctionMeta } from "./meta.js";
import type { Store } from "./store/index.js";

export const MARKER_KEY_PREFIX = "cachephant:v1:fn:";

/** What a function's marker says about the code of its latest results. */
export interface Marker {
  readonly hash: string;
  /** `meta.deps` of that code, as JSON text (parsed only when debugging), if it had any. */
  readonly deps: string | undefined;
}

// Per store dir and function: what the marker holds (undefined: no marker), once read.
const known = new Map<string, Promise<Marker | undefined>>();

export function markerKey(name: string, file: string): string {
  return MARKER_KEY_PREFIX + hash("sha256", `${name}\0${file}`, "base64url");
}

/** The marker of the function's latest results, if it has one. Never throws. */
export function readMarker(store: Store, meta: CachedFunctionMeta): Promise<Marker | undefined> {
  const id = `${store.dir}\0${markerKey(meta.name, meta.file)}`;
  let pending = known.get(id);
  if (pending === undefined) {
    pending = store.get(markerKey(meta.name, meta.file)).then(
      (read) => (read.status === "found" ? { hash: read.metadata.hash, deps: depsText(read.bytes) } : undefined),
      () => undefined,
    );
    known.set(id, pending);
  }
  return pending;
}

/** The code hash of the function's latest results, if it has any marker. Never throws. */
export async function markedHash(store: Store, meta: CachedFunctionMeta): Promise<string | undefined> {
  return (await readMarker(store, meta))?.hash;
}

/** Records that the function now has results under `meta.hash`. Never throws. */
export async function markCurrentHash(store: Store, meta: CachedFunctionMeta): Promise<void> {
  if ((await markedHash(store, meta)) === meta.hash) return;
  const id = `${store.dir}\0${markerKey(meta.name, meta.file)}`;
  known.set(id, Promise.resolve({ hash: meta.hash, deps: meta.deps }));
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
    await store.put(markerKey(meta.name, meta.file), Buffer.from(meta.deps ?? meta.hash), metadata);
  } catch {
    // catch-all: a marker is only a hint, and the result's own write reports a store that cannot be written.
  }
}

/** Forgets what was read (after `clear()`, and in tests). */
export function forgetMarkers(): void {
  known.clear();
}

/** The deps text of a marker's content; a bare hash (no deps) never starts with `[`. */
function depsText(content: Buffer): string | undefined {
  return content[0] === 0x5b ? content.toString("utf8") : undefined;
}
