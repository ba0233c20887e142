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
 * that is still true.
 */
import { rmSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { foldStats } from "./stats.js";
import type { CodeVersions } from "./superseded.js";
import { bucketPath, contentPath, OWN_DIR, PRUNE_STAMP } from "./layout.js";
import { makeOwnerDir, writeOwnerFile } from "../files/index.js";
import { removeContents, removeUnlessChanged } from "./removal.js";
import { Slicer, scanFiles, scanLocks, type StoreFile } from "./scan.js";
import { dropIndex, loadIndex, logRemovals, saveIndex, type IndexItem } from "./side-index.js";

/** Files younger than this are never taken for orphans: a writer may be about to index them. */
export const STRAY_MIN_AGE_MS = 60_000;
/**
 * A lock file this old belongs to a process that died holding it (a holder
 * refreshes its lock every few seconds, and a normal exit removes it):
 * nobody will release it, so a prune does.
 */
export const DEAD_LOCK_AGE_MS = 10 * 60_000;
/** In `OWN_DIR`: its mtime is when a prune last looked for content no entry uses. */
const SWEPT_STAMP = "swept";
/** A prune looks for content no entry uses (left by a crash between writing it and logging it) this often. */
const SWEEP_EVERY_MS = 24 * 60 * 60_000;
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
  /** Evict down to this many bytes (default `maxSize`): the runtime's own prunes leave room for the next writes. */
  target?: number | undefined;
  /**
   * Also look for content files no entry uses (a walk of every content
   * file); by default when the index was rebuilt, or the last such walk is a
   * day old (`SWEPT_STAMP`).
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
    await slicer.tick();
    met += 1;
    const outcome = dryRun
      ? { status: "removed" as const }
      : removeUnlessChanged(dir, bucketPath(dir, item.digest), (mtimeMs) => mtimeMs > usedAt || mtimeMs >= started + 1);
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
  for (const item of results) {
    const ttlPassed = item.expires > 0 && item.expires <= started;
    // The index's last use is a lower bound: only an entry it calls old is looked at on disk.
    const unused =
      maxAge !== undefined && item.usedAt <= started - maxAge && (lastUse(dir, item) ?? 0) <= started - maxAge;
    const outdated = !ttlPassed && !unused && versions?.superseded(item.fn) === true;
    if (fresh(item) || (!ttlPassed && !unused && !outdated)) kept.push(item);
    else if (!(await remove(item, ttlPassed || outdated ? started + 1 : started - maxAge!))) kept.push(item);
    else if (outdated) supersededCount += 1;
    else expiredCount += 1;
  }

  // Least recently used first until the rest fits. The index's last use is a lower bound: a bucket's mtime says more.
  let keptBytes = 0;
  for (const item of kept) keptBytes += item.size;
  const queue = new UseQueue(kept);
  const confirmed = new Set<IndexItem>();
  for (let item = queue.pop(); item !== undefined && keptBytes > target && !fresh(item); item = queue.pop()) {
    if (!confirmed.has(item)) {
      const used = lastUse(dir, item);
      confirmed.add(item);
      if (used === undefined) {
        // Gone from the layout (removed by another tool): it weighs nothing.
        keptBytes -= item.size;
        items.delete(item.digest);
        vanished += 1;
        continue;
      }
      if (used > item.usedAt) {
        item.usedAt = used;
        queue.push(item);
        continue;
      }
    }
    if (await remove(item, item.usedAt)) {
      keptBytes -= item.size;
    } else {
      queue.push(item);
    }
  }

  // Markers of functions left without results.
  const liveFunctions = new Set<string>();
  for (const item of items.values()) if (item.fn.kind === "result") liveFunctions.add(functionId(item.fn));
  for (const marker of markers) {
    if (!fresh(marker) && !liveFunctions.has(functionId(marker.fn))) await remove(marker, started + 1);
  }

  // Content of removed entries that nothing left uses (nor a write logged since the index was read: see `removal.ts`).
  const inUse = new Set<string>();
  for (const item of items.values()) inUse.add(item.integrity);
  if (!dryRun) {
    await slicer.tick();
    removeContents(
      dir,
      new Set(removed.filter((item) => !inUse.has(item.integrity)).map((item) => item.integrity)),
      index.log,
    );
  }

  const orphans: StoreFile[] = [];
  const referenced = new Set<string>();
  const sweepContent = options.sweepContent ?? (index.rebuilt || stampAge(dir, SWEPT_STAMP) > SWEEP_EVERY_MS);
  if (sweepContent) for (const integrity of inUse) referenced.add(contentPath(dir, integrity) ?? "");
  for await (const file of scanFiles(dir, referenced, slicer, sweepContent)) {
    if (file.mtimeMs < started - STRAY_MIN_AGE_MS) orphans.push(file);
  }
  for await (const file of scanLocks(dir, slicer)) {
    if (file.mtimeMs < started - DEAD_LOCK_AGE_MS) orphans.push(file);
  }
  let orphanedBytes = 0;
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
    for (const file of orphans) {
      await slicer.tick();
      rmSync(file.path, { force: true, recursive: true });
    }
    flush();
    // An index that met many entries gone from the layout no longer knows the store: rebuilt next time.
    if (vanished > Math.max(16, met * VANISHED_SHARE)) dropIndex(dir);
    else saveIndex(dir, items, index.log);
    if (items.size + orphans.length + removed.length > 0) stamp(dir, PRUNE_STAMP);
    if (sweepContent) stamp(dir, SWEPT_STAMP);
    foldStats(dir);
  }
  return {
    removedEntries: removedResults,
    expiredEntries: expiredCount,
    supersededEntries: supersededCount,
    orphanedFiles: orphans.length,
    orphanedBytes,
    freedBytes: freed,
    remainingEntries,
    remainingBytes,
  };
}

/** An entry's last use as the layout says it (its bucket's mtime, or its write time if later); undefined when its bucket is gone. */
function lastUse(dir: string, item: IndexItem): number | undefined {
  try {
    return Math.max(statSync(bucketPath(dir, item.digest)).mtimeMs, item.time);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** A binary min-heap of entries by last use. */
class UseQueue {
  private readonly heap: IndexItem[];
  constructor(items: IndexItem[]) {
    this.heap = [...items].sort((a, b) => a.usedAt - b.usedAt); // a sorted array is a heap
  }
  push(item: IndexItem): void {
    const heap = this.heap;
    heap.push(item);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.usedAt <= heap[i]!.usedAt) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }
  pop(): IndexItem | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    heap[0] = last;
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && heap[left]!.usedAt < heap[least]!.usedAt) least = left;
      if (right < heap.length && heap[right]!.usedAt < heap[least]!.usedAt) least = right;
      if (least === i) break;
      [heap[least], heap[i]] = [heap[i]!, heap[least]!];
      i = least;
    }
    return top;
  }
}

/** How old the stamp `name` is (ms; Infinity when there is none). */
function stampAge(dir: string, name: string): number {
  try {
    return Date.now() - statSync(join(dir, OWN_DIR, name)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return Infinity;
    throw error;
  }
}

/** Notes the time of a prune (so the runtime's own pruner knows it is not due: `pruner.ts`) or of a content walk. */
function stamp(dir: string, name: string): void {
  const path = join(dir, OWN_DIR, name);
  const now = Date.now() / 1000;
  try {
    utimesSync(path, now, now);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    makeOwnerDir(join(dir, OWN_DIR));
    writeOwnerFile(path, new Uint8Array(0), "w");
  }
}

export function functionId(fn: { readonly name: string; readonly file: string }): string {
  return `${fn.file}\0${fn.name}`;
}
