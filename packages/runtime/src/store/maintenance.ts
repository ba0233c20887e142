/**
 * Whole-store operations behind `list`, `clear`, `prune` and `verify`. Never
 * on a call's path. `list`, `prune` and `clear` read the side index
 * (`side-index.ts`); `verify` reads every entry.
 *
 * Safe beside other processes reading and writing the same store:
 * - an entry used or written after the operation started is never removed
 *   (`removal.ts` looks at its bucket after moving it aside, and puts back
 *   one written or used since);
 * - an index record goes before its content, and a reader that finds the
 *   content gone with its record takes it as a plain miss;
 * - content files are never rewritten, so a reader sees all of the bytes
 *   written or none.
 *
 * Sizes: an entry weighs its content's size (what its index record says).
 * `list` totals, `prune` frees and leaves, and `clear` frees the same
 * figures, so `ls` total = freed (minus orphaned files) + remaining.
 */
import { existsSync, statSync, unlinkSync } from "node:fs";
import { join, sep } from "node:path";
import { checkDecodes } from "../codec.js";
import type { CodeVersions } from "./superseded.js";
import { adaptiveFileOps } from "./file-ops.js";
import { bucketPath, INDEX_DIR, type EntryMetadata } from "./layout.js";
import { functionId, pruneIndexed, type Progress, type PruneOutcome, type PrunePlanOptions } from "./prune.js";
import { tryPruneLock, withPruneLock } from "./prune-lock.js";
import { contentMatches, readContent, stillIndexed } from "./read.js";
import { inParallel, PARALLEL_REMOVALS } from "./parallel.js";
import { removeContents, removeUnlessChanged } from "./removal.js";
import { scanEntries, Slicer, type IndexedEntry } from "./scan.js";
import { type IndexItem, loadIndex, logPosition, logRemovals, saveIndex, WritesSince } from "./side-index.js";

export type { IndexedEntry } from "./scan.js";
export type { Progress, PruneOutcome } from "./prune.js";

/** All cachephant entries in `dir` (tests, small stores: the list grows with the store). */
export async function readIndex(dir: string): Promise<IndexedEntry[]> {
  const entries: IndexedEntry[] = [];
  for await (const entry of scanEntries(dir)) entries.push(entry);
  return entries;
}

export interface FunctionTotals {
  name: string;
  file: string;
  entries: number;
  size: number;
  lastUsed: number;
  /** Of the entries, those of code that no longer exists (see `superseded.ts`). */
  superseded: number;
  /** Their bytes. */
  supersededSize: number;
}

/**
 * Results per function, from the side index; each entry's last use from its
 * bucket's mtime (a stat, not a read), and entries whose bucket is gone left
 * out. Memory grows with the entries' count in the index.
 */
export async function totalsByFunction(dir: string, versions: CodeVersions): Promise<FunctionTotals[]> {
  const slicer = new Slicer();
  const index = await loadIndex(dir, slicer);
  if (index.rebuilt && existsSync(dir)) saveRebuilt(dir, index);
  // Per function and code hash: markers may come after the entries they judge.
  const byVersion = new Map<string, { row: FunctionTotals; hashes: Map<string, { entries: number; size: number }> }>();
  for (const item of index.items.values()) {
    await slicer.tick();
    if (item.fn.kind !== "result") {
      versions.addMarker(item.fn);
      continue;
    }
    const usedAt = lastUse(bucketPath(dir, item.digest));
    if (usedAt === undefined) continue; // removed since the index knew it
    const id = functionId(item.fn);
    let found = byVersion.get(id);
    if (found === undefined) {
      const row = {
        name: item.fn.name,
        file: item.fn.file,
        entries: 0,
        size: 0,
        lastUsed: 0,
        superseded: 0,
        supersededSize: 0,
      };
      found = { row, hashes: new Map() };
      byVersion.set(id, found);
    }
    found.row.entries += 1;
    found.row.size += item.size;
    found.row.lastUsed = Math.max(found.row.lastUsed, usedAt, item.time);
    const version = found.hashes.get(item.fn.hash) ?? { entries: 0, size: 0 };
    version.entries += 1;
    version.size += item.size;
    found.hashes.set(item.fn.hash, version);
  }
  return [...byVersion.values()].map(({ row, hashes }) => {
    for (const [hash, version] of hashes) {
      if (!versions.superseded({ name: row.name, file: row.file, hash })) continue;
      row.superseded += version.entries;
      row.supersededSize += version.size;
    }
    return row;
  });
}

/** Keeps a rebuild that `list` made, when no prune is running (a store that cannot be written keeps none). */
function saveRebuilt(dir: string, index: Awaited<ReturnType<typeof loadIndex>>): void {
  let lease;
  try {
    lease = tryPruneLock(dir);
  } catch (error) {
    if (isUnwritable(error)) return;
    throw error;
  }
  if (lease === undefined) return;
  try {
    saveIndex(dir, new Map(index.items), index.log);
  } catch (error) {
    if (!isUnwritable(error)) throw error;
  } finally {
    lease.release();
  }
}

function isUnwritable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "EACCES" || code === "EPERM" || code === "EROFS" || code === "ENOSPC";
}

function lastUse(bucket: string): number | undefined {
  try {
    return statSync(bucket).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * A prune (see `prune.ts`) holding the store's prune lock, waiting for
 * another process's prune first; a dry run changes nothing and takes none.
 */
export async function pruneStore(dir: string, options: PrunePlanOptions): Promise<PruneOutcome> {
  if (options.dryRun === true || !existsSync(dir)) return pruneIndexed(dir, options);
  return withPruneLock(dir, () => pruneIndexed(dir, options));
}

export interface ClearOutcome {
  removedEntries: number;
  freedBytes: number;
}

/**
 * Removes the entries whose function `matches` (all when undefined), with
 * the same age guard as a prune; clearing everything also removes orphaned
 * content and leftovers older than a minute. Some functions' entries are
 * found in the side index, as a prune finds its own (no read of every bucket).
 */
export async function clearStore(
  dir: string,
  matches?: (fn: { readonly name: string; readonly file: string }) => boolean,
): Promise<ClearOutcome> {
  if (matches === undefined) {
    // Everything goes: content no entry uses too, in every content folder, whatever the walk's round (`sweep.ts`).
    const outcome = await pruneStore(dir, { maxSize: 0, sweepContent: true });
    return { removedEntries: outcome.removedEntries, freedBytes: outcome.freedBytes - outcome.orphanedBytes };
  }
  const started = Date.now();
  const logAtStart = logPosition(dir);
  const doomed: IndexItem[] = [];
  const stayed: IndexItem[] = [];
  for (const item of (await loadIndex(dir)).items.values()) (matches(item.fn) ? doomed : stayed).push(item);
  const removed: IndexItem[] = [];
  // A clear is the user's: synchronous file calls while the file system answers from memory (`file-ops.ts`).
  const ops = adaptiveFileOps();
  await inParallel(doomed, PARALLEL_REMOVALS, async (item) => {
    // Written or used after the start: it stays.
    const outcome = await removeUnlessChanged(
      dir,
      bucketPath(dir, item.digest),
      (mtimeMs) => mtimeMs >= started + 1,
      ops,
    );
    if (outcome.status === "kept") stayed.push(item);
    else removed.push(item);
  });
  logRemovals(dir, removed);
  const inUse = new Set(stayed.map((item) => item.integrity));
  await removeContents(
    dir,
    new Set(removed.map((item) => item.integrity).filter((integrity) => !inUse.has(integrity))),
    new WritesSince(dir, logAtStart),
    PARALLEL_REMOVALS,
    ops,
  );
  const results = removed.filter((item) => item.fn.kind === "result");
  return { removedEntries: results.length, freedBytes: sumSizes(results) };
}

export interface VerifyOutcome {
  checkedEntries: number;
  problems: { metadata: EntryMetadata; reason: string }[];
  removedMarkers: number;
}

/**
 * Reads every entry: size, integrity hash (what `cacache.get` checks), the
 * CRC the runtime checks, and, for results, the decode. A damaged entry is
 * removed only when its record is still the latest (a writer may have
 * replaced it meanwhile); a content file gone with its record is a
 * concurrent removal, not damage.
 */
export async function verifyStore(dir: string, onProgress?: Progress): Promise<VerifyOutcome> {
  const problems: VerifyOutcome["problems"] = [];
  let checkedEntries = 0;
  let removedMarkers = 0;
  for await (const entry of scanEntries(dir)) {
    if (entry.metadata.kind === "result") checkedEntries += 1;
    onProgress?.("check", checkedEntries);
    const reason = await damage(entry);
    if (reason === undefined || !stillIndexed(entry.bucket, entry.record)) continue;
    removeQuietly(entry.bucket);
    logRemovals(dir, [{ digest: digestOf(dir, entry.bucket), time: entry.time }]);
    if (reason !== "content file missing") removeQuietly(entry.path);
    if (entry.metadata.kind === "result") problems.push({ metadata: entry.metadata, reason });
    else removedMarkers += 1;
  }
  return { checkedEntries, problems, removedMarkers };
}

/** Why an entry cannot be served, or undefined when it reads and decodes. */
async function damage(entry: IndexedEntry): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readContent(entry.path, entry.record.size);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "content file missing";
    if (code === "EBADSIZE") return "content has the wrong size";
    throw error;
  }
  if (!contentMatches(bytes, entry.record, entry.metadata, true)) return "content failed the integrity check";
  if (entry.metadata.kind !== "result") return undefined;
  try {
    // Not decodeResult: this process has none of the program's classes, and an entry holding their instances is sound.
    checkDecodes(bytes);
    return undefined;
  } catch (error) {
    return `content could not be decoded (${(error as Error).message})`;
  }
}

/** Removes a file that may be gone already. */
function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

/** The key digest a bucket's path spells (`index-v5/aa/bb/rest`). */
function digestOf(dir: string, bucket: string): string {
  return bucket
    .slice(join(dir, INDEX_DIR).length + 1)
    .split(sep)
    .join("");
}

function sumSizes(items: readonly { readonly size: number }[]): number {
  let total = 0;
  for (const item of items) total += item.size;
  return total;
}
