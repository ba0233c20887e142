/**
 * Whole-store operations behind `list`, `clear`, `prune` and `verify`, and
 * the runtime's own pruning. Never on a call's path.
 *
 * Safe beside other processes reading and writing the same store:
 * - an entry used or written after the operation started is never removed
 *   (its bucket's mtime says so, checked again right before the removal);
 * - an index record goes before its content, and a reader that finds the
 *   content gone with its record takes it as a plain miss;
 * - content files are never rewritten, so a reader sees all of the bytes
 *   written or none.
 *
 * Sizes: an entry weighs its content's size (what its index record says).
 * `list` totals, `prune` frees and leaves, and `clear` frees the same
 * figures, so `ls` total = freed (minus orphaned files) + remaining.
 */
import { utimesSync } from "node:fs";
import { rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { decodeResult } from "../codec.js";
import { makeOwnerDir, writeOwnerFile } from "./owner-only.js";
import { OWN_DIR, PRUNE_STAMP, type EntryMetadata } from "./layout.js";
import { contentMatches, readContent, stillIndexed } from "./read.js";
import { scanEntries, scanFiles, scanLocks, type IndexedEntry, type StoreFile } from "./scan.js";
import { CodeVersions } from "../superseded.js";
import { foldStats } from "../stats.js";

export type { IndexedEntry } from "./scan.js";

/** Files younger than this are never taken for orphans: a writer may be about to index them. */
export const STRAY_MIN_AGE_MS = 60_000;
/**
 * A lock file this old belongs to a process that died holding it (a holder
 * refreshes its lock every few seconds, and a normal exit removes it):
 * nobody will release it, so a prune does.
 */
export const DEAD_LOCK_AGE_MS = 10 * 60_000;

/** Long work reports how far it got, after each entry (the CLI shows it on a terminal, at most every 200 ms). */
export type Progress = (step: "scan" | "check" | "remove", done: number) => void;

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

/** Results per function (memory grows with the functions and their code versions, not the entries). */
export async function totalsByFunction(dir: string, versions: CodeVersions): Promise<FunctionTotals[]> {
  // Per function and code hash: markers may come after the entries they judge.
  const byVersion = new Map<string, { row: FunctionTotals; hashes: Map<string, { entries: number; size: number }> }>();
  for await (const entry of scanEntries(dir)) {
    if (entry.metadata.kind !== "result") {
      versions.addMarker(entry.metadata);
      continue;
    }
    const id = functionId(entry.metadata);
    let found = byVersion.get(id);
    if (found === undefined) {
      const row = { name: entry.metadata.name, file: entry.metadata.file, entries: 0, size: 0, lastUsed: 0, superseded: 0, supersededSize: 0 };
      found = { row, hashes: new Map() };
      byVersion.set(id, found);
    }
    found.row.entries += 1;
    found.row.size += entry.size;
    found.row.lastUsed = Math.max(found.row.lastUsed, entry.usedAt);
    const version = found.hashes.get(entry.metadata.hash) ?? { entries: 0, size: 0 };
    version.entries += 1;
    version.size += entry.size;
    found.hashes.set(entry.metadata.hash, version);
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

/** What a prune removed (or, on a dry run, would remove) and left. */
export interface PruneOutcome {
  /** Results removed: expired, not used for `maxAge`, or least recently used. */
  removedEntries: number;
  /** Of those, the ones removed because their ttl or `maxAge` had passed. */
  expiredEntries: number;
  /** Of those, the ones removed because their code no longer exists (`superseded`). */
  supersededEntries: number;
  /** Content files no entry used and leftover temporary files (older than a minute). */
  orphanedFiles: number;
  /** Bytes of those files. */
  orphanedBytes: number;
  /**
   * Bytes freed: the removed results' content plus the orphaned files.
   * `list()`'s total before = freedBytes - orphanedBytes + remainingBytes.
   */
  freedBytes: number;
  /** Results left. */
  remainingEntries: number;
  /** Bytes of content left. */
  remainingBytes: number;
}

export interface PrunePlanOptions {
  maxSize: number;
  /** Entries not used for this long go (ms). */
  maxAge?: number | undefined;
  dryRun?: boolean | undefined;
  onProgress?: Progress | undefined;
  /** Remove the entries of code that no longer exists too (see `superseded.ts`). */
  superseded?: CodeVersions | undefined;
}

/**
 * Removes expired entries, entries not used for `maxAge`, superseded ones
 * when asked, then the least recently used until the results fit `maxSize`, then markers of functions
 * left without results, then content no entry uses and leftovers in `tmp/`
 * (older than a minute), and the lock files of processes that died holding
 * them (untouched for ten minutes). Linear in the entries, plus a sort.
 */
export async function pruneStore(dir: string, options: PrunePlanOptions): Promise<PruneOutcome> {
  const started = Date.now();
  const { maxSize, maxAge, dryRun = false, onProgress, superseded: versions } = options;
  const results: IndexedEntry[] = [];
  const markers: IndexedEntry[] = [];
  const referenced = new Set<string>();
  for await (const entry of scanEntries(dir)) {
    (entry.metadata.kind === "result" ? results : markers).push(entry);
    if (entry.metadata.kind === "marker") versions?.addMarker(entry.metadata);
    referenced.add(entry.path);
    onProgress?.("scan", results.length + markers.length);
  }

  // The age guard: whatever was used or written after the start stays (same millisecond: before).
  const fresh = (entry: IndexedEntry) => entry.usedAt >= started + 1;
  const isExpired = (entry: IndexedEntry) =>
    (entry.metadata.expires !== undefined && entry.metadata.expires <= started) ||
    (maxAge !== undefined && entry.usedAt <= started - maxAge);
  const isSuperseded = (entry: IndexedEntry) => versions?.superseded(entry.metadata) === true;
  const expired = results.filter((entry) => !fresh(entry) && isExpired(entry));
  const outdated = results.filter((entry) => !fresh(entry) && !isExpired(entry) && isSuperseded(entry));
  const kept = results
    .filter((entry) => fresh(entry) || (!isExpired(entry) && !isSuperseded(entry)))
    .sort((a, b) => a.usedAt - b.usedAt);
  let keptBytes = sumSizes(kept);
  let evictedCount = 0;
  while (evictedCount < kept.length && keptBytes > maxSize && !fresh(kept[evictedCount]!)) {
    keptBytes -= kept[evictedCount]!.size;
    evictedCount += 1;
  }
  const evicted = kept.splice(0, evictedCount);
  const liveFunctions = new Set(kept.map((entry) => functionId(entry.metadata)));
  const doomedMarkers = markers.filter((entry) => !fresh(entry) && !liveFunctions.has(functionId(entry.metadata)));

  const orphans: StoreFile[] = [];
  for await (const file of scanFiles(dir, referenced)) {
    if (file.mtimeMs < started - STRAY_MIN_AGE_MS) orphans.push(file);
  }
  for await (const file of scanLocks(dir)) {
    if (file.mtimeMs < started - DEAD_LOCK_AGE_MS) orphans.push(file);
  }
  const orphanedBytes = sumSizes(orphans);
  const outcome = (removed: readonly IndexedEntry[], expiredCount: number, supersededCount: number, remaining: readonly IndexedEntry[]) => ({
    removedEntries: removed.length,
    expiredEntries: expiredCount,
    supersededEntries: supersededCount,
    orphanedFiles: orphans.length,
    orphanedBytes,
    freedBytes: sumSizes(removed) + orphanedBytes,
    remainingEntries: remaining.length,
    remainingBytes: sumSizes(remaining),
  });
  if (dryRun) return outcome([...expired, ...outdated, ...evicted], expired.length, outdated.length, kept);

  const doomedMarkerSet = new Set(doomedMarkers);
  const expiredSet = new Set(expired);
  const outdatedSet = new Set(outdated);
  const stayed = [...kept, ...markers.filter((entry) => !doomedMarkerSet.has(entry))];
  let removedCount = 0;
  const removed = await removeIndexRecords([...expired, ...outdated, ...evicted, ...doomedMarkers], stayed, () =>
    onProgress?.("remove", ++removedCount),
  );
  await removeContentOf(removed, stayed);
  await forEachLimited(orphans, (file) => rm(file.path, { force: true, recursive: true }));
  const removedResults = removed.filter((entry) => entry.metadata.kind === "result");
  const removedExpired = removedResults.filter((entry) => expiredSet.has(entry)).length;
  const removedOutdated = removedResults.filter((entry) => outdatedSet.has(entry)).length;
  if (results.length + markers.length + orphans.length > 0) stampPruned(dir);
  foldStats(dir);
  return outcome(removedResults, removedExpired, removedOutdated, stayed.filter((entry) => entry.metadata.kind === "result"));
}

export interface ClearOutcome {
  removedEntries: number;
  freedBytes: number;
}

/**
 * Removes the entries whose metadata `matches` (all when undefined), with
 * the same age guard as a prune; clearing everything also removes orphaned
 * content and leftovers older than a minute.
 */
export async function clearStore(dir: string, matches?: (metadata: EntryMetadata) => boolean): Promise<ClearOutcome> {
  if (matches === undefined) {
    const outcome = await pruneStore(dir, { maxSize: 0 });
    return { removedEntries: outcome.removedEntries, freedBytes: outcome.freedBytes - outcome.orphanedBytes };
  }
  const started = Date.now();
  const doomed: IndexedEntry[] = [];
  const stayed: IndexedEntry[] = [];
  for await (const entry of scanEntries(dir)) {
    (matches(entry.metadata) && entry.usedAt < started + 1 ? doomed : stayed).push(entry);
  }
  const removed = await removeIndexRecords(doomed, stayed);
  await removeContentOf(removed, stayed);
  const results = removed.filter((entry) => entry.metadata.kind === "result");
  return { removedEntries: results.length, freedBytes: sumSizes(results) };
}

export interface VerifyOutcome {
  checkedEntries: number;
  problems: { metadata: EntryMetadata; reason: string }[];
  removedMarkers: number;
}

/**
 * Reads every entry: size, sha512 integrity (what `cacache.get` checks), the
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
    await removeIndexRecord(entry, true);
    if (reason !== "content file missing") await rm(entry.path, { force: true });
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
    decodeResult(bytes);
    return undefined;
  } catch (error) {
    return `content could not be decoded (${(error as Error).message})`;
  }
}

/**
 * Removes the buckets of `doomed`, except those used or rewritten since the
 * scan, which go to `stayed`. Returns the entries removed. Several removals
 * are in flight at once: each waits on the disk more than on the CPU.
 */
async function removeIndexRecords(
  doomed: readonly IndexedEntry[],
  stayed: IndexedEntry[],
  onRemoved?: () => void,
): Promise<IndexedEntry[]> {
  const removed: IndexedEntry[] = [];
  await forEachLimited(doomed, async (entry) => {
    if (await removeIndexRecord(entry)) {
      removed.push(entry);
      onRemoved?.();
    } else {
      stayed.push(entry);
    }
  });
  return removed;
}

/** Removes an entry's bucket unless it changed since the scan (`force`: whatever it holds). Returns whether the entry is gone. */
async function removeIndexRecord(entry: IndexedEntry, force = false): Promise<boolean> {
  try {
    if (!force && Math.max((await stat(entry.bucket)).mtimeMs, entry.time) !== entry.usedAt) return false;
    await unlink(entry.bucket);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return true;
}

/** Removes the content files of `removed`, except those an entry in `stayed` still uses. */
async function removeContentOf(removed: readonly IndexedEntry[], stayed: readonly IndexedEntry[]): Promise<void> {
  const inUse = new Set(stayed.map((entry) => entry.path));
  const unused = new Set(removed.map((entry) => entry.path).filter((path) => !inUse.has(path)));
  await forEachLimited([...unused], (path) => rm(path, { force: true }));
}

/** Runs `task` over `items`, 16 at a time. */
async function forEachLimited<T>(items: readonly T[], task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(16, items.length) }, worker));
}

/** Notes the time of this prune, so the runtime's own pruner knows it is not due (see `pruner.ts`). */
function stampPruned(dir: string): void {
  const path = join(dir, OWN_DIR, PRUNE_STAMP);
  const now = Date.now() / 1000;
  try {
    utimesSync(path, now, now);
  } catch {
    try {
      makeOwnerDir(join(dir, OWN_DIR));
      writeOwnerFile(path, new Uint8Array(0), "w");
    } catch {
      // Only a hint (a read-only store).
    }
  }
}

function functionId(metadata: EntryMetadata): string {
  return `${metadata.file}\0${metadata.name}`;
}

function sumSizes(items: readonly { readonly size: number }[]): number {
  let total = 0;
  for (const item of items) total += item.size;
  return total;
}
