/**
 * Writing a computed result: the entry, its inputs and timing; what a write
 * fault costs (this result only, or the store for the process), and which
 * results are not stored (too large, not storable).
 */
import { formatSize } from "../cli-format.js";
import { UnstorableResultError } from "../errors.js";
import type { InputRecord } from "../inputs/index.js";
import { noteStoredParts } from "../key-change.js";
import { markCurrentHash } from "../markers.js";
import { type EntryMetadata, memoryFor, type Store } from "../store/index.js";
import type { CachedFunctionMeta } from "../meta.js";
import { label, warnOnce } from "../warn.js";
import { describeError } from "./call-warnings.js";
import { type Call, unwritableDirs, usable } from "./call.js";
import { partsOf } from "./look-up.js";

/** What every result entry of `meta`'s function records: which function, and when it was made (and expires). */
export function resultMetadata(meta: CachedFunctionMeta, created: number): EntryMetadata {
  return {
    v: 1,
    kind: "result",
    name: meta.name,
    file: meta.file,
    line: meta.line,
    hash: meta.hash,
    created,
    ...(meta.ttl !== undefined ? { expires: created + meta.ttl } : {}),
  };
}

/** Writes the entry and the function's marker. Returns false when the store cannot be written. Never throws. */
export async function write(
  store: Store,
  key: string,
  bytes: Buffer,
  call: Call<unknown>,
  inputs: readonly InputRecord[] | undefined,
): Promise<boolean> {
  const { meta } = call;
  if (!usable(store)) return false;
  const created = Date.now();
  const parts = partsOf(call);
  const metadata: EntryMetadata = {
    ...resultMetadata(meta, created),
    ...(parts !== undefined ? { parts } : {}),
    ...(inputs !== undefined ? { inputs } : {}),
    ...(call.computeMs !== undefined ? { ms: Math.round(call.computeMs * 10) / 10 } : {}),
  };
  try {
    await store.put(key, bytes, metadata);
  } catch (error) {
    if (!storeCannotBeWritten(error)) {
      // Anything else (a fault the store waited out in vain, a folder removed meanwhile) costs this result only.
      warnOnce(
        `write-failed:${store.dir}:${label(meta)}`,
        `${label(meta)}: result not stored (${describeError(error)}); later results are stored as usual`,
      );
      return false;
    }
    unwritableDirs.add(store.dir);
    warnOnce(
      `unwritable:${store.dir}`,
      `cannot write the cache in ${store.dir} (${describeError(error)}); results are not stored for the rest of this process`,
    );
    return false;
  }
  memoryFor(store.dir, call.settings.memorySize)?.set(key, bytes, metadata, Date.now());
  if (parts !== undefined) noteStoredParts(store.dir, meta, parts);
  await markCurrentHash(store, meta);
  return true;
}

/** Faults that last: a read-only, full or foreign store, or one whose path is not a folder. */
const LASTING_WRITE_FAULTS = new Set(["EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "ENOTDIR"]);

function storeCannotBeWritten(error: unknown): boolean {
  return LASTING_WRITE_FAULTS.has((error as NodeJS.ErrnoException | undefined)?.code ?? "");
}

/**
 * A result may take at most this share of the size bound: a larger one would
 * evict most of the store (or, past the bound, all of it, itself included).
 */
export const MAX_ENTRY_SHARE = 0.5;

/** Warns (once per function) about a result too large for the bound; returns the reason, or undefined when it fits. */
export function oversizeWarning(call: Call<unknown>, size: number): string | undefined {
  const { maxSize } = call.settings;
  if (size <= maxSize * MAX_ENTRY_SHARE) return undefined;
  const why = `it takes ${formatSize(size)}, more than half the cache's size bound (${formatSize(maxSize)}); raise maxSize to cache it`;
  warnOnce(`oversize:${label(call.meta)}`, `${label(call.meta)}: result not stored, so calls compute again: ${why}`);
  return why;
}

export function unstorableWarning(meta: CachedFunctionMeta, error: unknown): string {
  const why = error instanceof UnstorableResultError ? error.message : describeError(error);
  warnOnce(`unstorable:${label(meta)}`, `${label(meta)}: result not stored, so calls compute again: ${why}`);
  return why;
}
