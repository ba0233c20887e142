/**
 * Pruning through the side index (`side-index.ts`): the index says every
 * entry's size, write time, expiry and function, so a prune reads two files
 * instead of every bucket, and looks at the disk only for the entries it
 * means to remove (a bucket's mtime: a use the index does not know yet moves
 * the entry back in the queue). Least recently used first, exactly, with a
 * heap. Linear in the entries, plus a sort.
 *
 * Beside other processes: removals go through `removal.ts` (moved aside,
 * looked at, put back when written or used after the bound), and are logged
 * slice by slice, so a prune cut short (a program that ends) leaves an index
 * that is still true. They run in batches, many file operations at once
 * (each waits on the disk, not the CPU); a background prune keeps its batches
 * small, so that the program's own file work waits little behind them.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { adaptiveFileOps, type FileOps, POOLED_FILE_OPS } from "./file-ops.js";
import { foldStats } from "./stats.js";
import type { CodeVersions } from "./superseded.js";
import { bucketPath, contentPath, PRUNE_STAMP } from "./layout.js";
import { inParallel, PARALLEL_REMOVALS } from "./parallel.js";
import { removeContents, removeUnlessChanged } from "./removal.js";
import { Slicer } from "./scan.js";
import { dropIndex, loadIndex, logRemovals, saveIndex, WritesSince, type IndexItem } from "./side-index.js";
import { stamp } from "./stamps.js";
import { findOrphans, planSweep, recordSweep } from "./sweep.js";
import { UseQueue } from "./use-queue.js";
import { hasErrorCode } from "@cachephant/core/scan";

/** File operations a background prune has in flight at once (the program's own queue behind them). */
const BACKGROUND_PARALLEL = 4;
/** When more than this share of the entries a prune met were gone from the layout, the index is rebuilt next time. */
const VANISHED_SHARE = 0.01;

/** Long work reports how far it got, after each entry (the CLI shows it on a terminal, at most every 200 ms). */
export type Progress = (step: "scan" | "check" | "remove", done: number) => void;

/** What a prune removed (or, on a dry run, would remove) and left. */
export interface PruneOutcome {
  /** Results removed: expired, not used for `maxAge`, or least recently used. */
  removedEntries: number;
  /** Of those, the ones removed because their ttl or `maxAge` had passed. */
  expiredEntries: number;
  /** Of those, the ones removed because their code no longer exists (`superseded`). */
  supersededEntries: number;
  /**
   * Content files no entry used (let go by a rewrite or a removal since the
   * last prune, or found by the walk: `sweep.ts`) and
   * leftover temporary files (older than a minute).
   */
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
  /** Evict down to this many bytes (default `maxSize`): the runtime's own prunes leave room for the next writes. */
  target?: number | undefined;
  /**
   * Look for content files no entry uses in every content folder (true) or
   * none (false); by default in every one when the index was rebuilt, else in
   * the slices of them due (`sweep.ts`).
   */
  sweepContent?: boolean | undefined;
  /** A background prune: its yields do not keep the process alive (`scan.ts`). */
  background?: boolean | undefined;
}

/**
 * Removes expired entries, entries not used for `maxAge`, superseded ones
 * when asked, then the least recently used until the results fit, then
 * markers of functions left without results, then content no entry uses and
 * leftovers in `tmp/` (older than a minute), and the lock files of processes
 * that died holding them (untouched for ten minutes). The caller holds the
 * prune lock (`pruner.ts`) unless it is a dry run.
 */
export async function pruneIndexed(dir: string, options: PrunePlanOptions): Promise<PruneOutcome> {
  const started = Date.now();
  const { maxSize, maxAge, dryRun = false, onProgress, superseded: versions, target = maxSize } = options;
  const removedSinceLog: IndexItem[] = [];
  const flush = () => {
    if (!dryRun) logRemovals(dir, removedSinceLog.splice(0));
  };
  const slicer = new Slicer(options.background, flush);
  const parallel = options.background === true ? BACKGROUND_PARALLEL : PARALLEL_REMOVALS;
  // Synchronous calls hold the event loop: never in a program's background prune (`file-ops.ts`).
  const ops = options.background === true ? POOLED_FILE_OPS : adaptiveFileOps();
  /** Runs `work` on `list` a batch at a time, many at once within a batch; logs and yields between batches. */
  const inBatches = async <T>(list: readonly T[], work: (item: T) => Promise<void>) => {
    for (let at = 0; at < list.length; at += parallel * 2) {
      await inParallel(list.slice(at, at + parallel * 2), parallel, work);
      await slicer.tick();
    }
  };
  const index = await loadIndex(dir, slicer);
  const { items } = index;
  onProgress?.("scan", items.size);

  const results: IndexItem[] = [];
  const markers: IndexItem[] = [];
  for (const item of items.values()) {
    if (item.fn.kind === "result") results.push(item);
    else {
      markers.push(item);
      versions?.addMarker(item.fn);
    }
  }
  // Whatever was used or written after the start stays (same millisecond: before).
  const fresh = (item: IndexItem) => item.usedAt >= started + 1;
  let vanished = 0;
  let met = 0;
  const removed: IndexItem[] = [];
  /** Removes `item` unless its bucket was used or written after `usedAt`; true when it is gone from the layout. */
  const remove = async (item: IndexItem, usedAt: number): Promise<boolean> => {
    met += 1;
    const outcome = dryRun
      ? { status: "removed" as const }
      : await removeUnlessChanged(
          dir,
          bucketPath(dir, item.digest),
          (mtimeMs) => mtimeMs > usedAt || mtimeMs >= started + 1,
          ops,
        );
    if (outcome.status === "kept") {
      item.usedAt = Math.max(item.usedAt, outcome.mtimeMs);
      return false;
    }
    if (outcome.status === "gone") vanished += 1;
    else removed.push(item);
    items.delete(item.digest);
    removedSinceLog.push(item);
    onProgress?.("remove", removed.length);
    return true;
  };

  // Expired by ttl, or (with maxAge) not used for that long, or superseded: gone unless used since the start.
  let expiredCount = 0;
  let supersededCount = 0;
  const kept: IndexItem[] = [];
  const doomed: { item: IndexItem; usedAt: number; outdated: boolean }[] = [];
  for (const item of results) {
    const ttlPassed = item.expires > 0 && item.expires <= started;
    // The index's last use is a lower bound: only an entry it calls old is looked at on disk.
    const unused =
      maxAge !== undefined &&
      item.usedAt <= started - maxAge &&
      ((await lastUse(dir, item, ops)) ?? 0) <= started - maxAge;
    const outdated = !ttlPassed && !unused && versions?.superseded(item.fn) === true;
    if (fresh(item) || (!ttlPassed && !unused && !outdated)) kept.push(item);
    else doomed.push({ item, usedAt: ttlPassed || outdated ? started + 1 : started - maxAge!, outdated });
  }
  await inBatches(doomed, async ({ item, usedAt, outdated }) => {
    if (!(await remove(item, usedAt))) kept.push(item);
    else if (outdated) supersededCount += 1;
    else expiredCount += 1;
  });

  // Least recently used first until the rest fits. The index's last use is a lower bound: a bucket's mtime says more.
  let keptBytes = 0;
  for (const item of kept) keptBytes += item.size;
  const queue = new UseQueue(kept);
  const confirmed = new Set<IndexItem>();
  const evict = async (item: IndexItem) => {
    if (!confirmed.has(item)) {
      confirmed.add(item);
      const used = await lastUse(dir, item, ops);
      if (used === undefined) {
        // Gone from the layout (removed by another tool): it weighs nothing.
        keptBytes -= item.size;
        items.delete(item.digest);
        vanished += 1;
        return;
      }
      if (used > item.usedAt) {
        item.usedAt = used;
        return queue.push(item);
      }
    }
    if (await remove(item, item.usedAt)) keptBytes -= item.size;
    else queue.push(item);
  };
  // A batch takes the next entries in order while what it would leave is still past the target.
  for (let batch = queue.take(keptBytes, target, parallel * 2, fresh); batch.length > 0;) {
    await inParallel(batch, parallel, evict);
    await slicer.tick();
    batch = queue.take(keptBytes, target, parallel * 2, fresh);
  }

  // Markers of functions left without results.
  const liveFunctions = new Set<string>();
  for (const item of items.values()) if (item.fn.kind === "result") liveFunctions.add(functionId(item.fn));
  const unneeded = markers.filter((marker) => !fresh(marker) && !liveFunctions.has(functionId(marker.fn)));
  await inBatches(unneeded, async (marker) => {
    await remove(marker, started + 1);
  });

  // Content of removed entries that nothing left uses (nor a write logged since the index was read: see `removal.ts`),
  // and content let go since the last prune (an entry rewritten with other bytes, or removed: the log says so).
  const inUse = new Set<string>();
  for (const item of items.values()) inUse.add(item.integrity);
  const released = [...index.released].filter(([integrity]) => !inUse.has(integrity));
  let gone: ReadonlySet<string> | undefined;
  if (!dryRun) {
    await slicer.tick();
    const unused = new Set(removed.filter((item) => !inUse.has(item.integrity)).map((item) => item.integrity));
    for (const [integrity] of released) unused.add(integrity);
    gone = await removeContents(dir, unused, new WritesSince(dir, index.log), parallel, ops);
  }
  let releasedFiles = 0;
  let releasedBytes = 0;
  // Counted when removed, or, in a dry run, when there to remove (a damaged entry's content went with it).
  for (const [integrity, size] of released) {
    if (gone === undefined ? !contentExists(dir, integrity) : !gone.has(integrity)) continue;
    releasedFiles += 1;
    releasedBytes += size;
  }

  const { sweepContent } = options;
  const plan = planSweep(dir, started, sweepContent === false ? "none" : sweepContent || index.rebuilt ? "all" : "due");
  // A dry run removed nothing: the content of the entries it would remove is counted with them, not again as orphaned.
  if (dryRun) for (const item of removed) inUse.add(item.integrity);
  // Released content is counted above (it is gone, or in use again by a write since): not again by the walk.
  for (const [integrity] of released) inUse.add(integrity);
  const orphans = await findOrphans({ dir, inUse, plan, started, slicer, ops });
  let orphanedBytes = releasedBytes;
  for (const file of orphans) orphanedBytes += file.size;

  let remainingEntries = 0;
  let remainingBytes = 0;
  for (const item of items.values()) {
    if (item.fn.kind !== "result") continue;
    remainingEntries += 1;
    remainingBytes += item.size;
  }
  let removedResults = 0;
  let freed = orphanedBytes;
  for (const item of removed) {
    if (item.fn.kind !== "result") continue;
    removedResults += 1;
    freed += item.size;
  }
  if (!dryRun) {
    await inBatches(orphans, (file) => rm(file.path, { force: true, recursive: true }));
    flush();
    // An index that met many entries gone from the layout no longer knows the store: rebuilt next time.
    if (vanished > Math.max(16, met * VANISHED_SHARE)) dropIndex(dir);
    else saveIndex(dir, items, index.log);
    if (items.size + orphans.length + removed.length + releasedFiles > 0) stamp(dir, PRUNE_STAMP);
    recordSweep(dir, plan);
    foldStats(dir);
  }
  return {
    removedEntries: removedResults,
    expiredEntries: expiredCount,
    supersededEntries: supersededCount,
    orphanedFiles: orphans.length + releasedFiles,
    orphanedBytes,
    freedBytes: freed,
    remainingEntries,
    remainingBytes,
  };
}

function contentExists(dir: string, integrity: string): boolean {
  const path = contentPath(dir, integrity);
  return path !== undefined && existsSync(path);
}

/** An entry's last use as the layout says it (its bucket's mtime, or its write time if later); undefined when its bucket is gone. */
async function lastUse(dir: string, item: IndexItem, ops: FileOps): Promise<number | undefined> {
  try {
    return Math.max((await ops.stat(bucketPath(dir, item.digest))).mtimeMs, item.time);
  } catch (error) {
    if (hasErrorCode(error, ["ENOENT"])) return undefined;
    throw error;
  }
}

export function functionId(fn: { readonly name: string; readonly file: string }): string {
  return `${fn.file}\0${fn.name}`;
}
