/**
 * The side index: what `prune` and `ls` need of every entry (size, write
 * time, last use known, expiry, function) in two files beside cacache's
 * layout, so that they read two files instead of every bucket:
 *
 * - `cachephant/entries`: a snapshot, written whole by a prune under the
 *   prune lock (`side-index-snapshot.ts`).
 * - `cachephant/entries.log`: a line appended by each write before its index
 *   line (so a crash leaves at most an entry the index names and the layout
 *   lacks, which a prune drops when it meets it), and by each removal.
 *
 * The snapshot is rebuilt from the layout (a full scan) when it is missing,
 * unreadable, of another format, or when its log was cut shorter than the
 * point it records; see `docs/store.md`. The layout stays the truth: last
 * uses newer than the index's are read from the buckets' mtimes.
 */
import { statSync } from "node:fs";
import { join, sep } from "node:path";
import { appendSafely } from "./append.js";
import { makeOwnerDir } from "../files/index.js";
import { INDEX_DIR, OWN_DIR, type EntryMetadata } from "./layout.js";
import { scanEntries, Slicer } from "./scan.js";
import { apply, Functions, type IndexItem, type LoadedIndex, type LogPosition } from "./side-index-entries.js";
import { LOG_FILE, readLog } from "./side-index-files.js";
import { readSnapshot } from "./side-index-snapshot.js";

export { LOG_FILE } from "./side-index-files.js";
export type { IndexedFunction, IndexItem, LoadedIndex, LogPosition } from "./side-index-entries.js";
export { dropIndex, indexedBytes, saveIndex, SNAPSHOT_FILE } from "./side-index-snapshot.js";

/** A rebuild also takes log lines written this long before its scan began (a writer logs just before its index line). */
const REBUILD_OVERLAP_MS = 1000;

/** Logs a write of an entry (before its index line). Returns the log's size after it. */
export function logWrite(
  dir: string,
  digest: string,
  integrity: string,
  size: number,
  time: number,
  metadata: EntryMetadata,
): number {
  const kind = metadata.kind === "result" ? "r" : "m";
  const line = [
    "w",
    digest,
    integrity,
    size,
    time,
    metadata.expires ?? 0,
    kind,
    metadata.name,
    metadata.file,
    metadata.hash,
  ];
  makeOwnerDir(join(dir, OWN_DIR));
  return appendSafely(join(dir, OWN_DIR, LOG_FILE), Buffer.from(`${JSON.stringify(line)}\n`));
}

/** Logs removed entries (each by its digest and write time: a newer write of the same key is not undone). */
export function logRemovals(dir: string, removed: readonly { readonly digest: string; readonly time: number }[]): void {
  if (removed.length === 0) return;
  const text = removed.map((item) => `${JSON.stringify(["x", item.digest, item.time])}\n`).join("");
  appendSafely(join(dir, OWN_DIR, LOG_FILE), Buffer.from(text));
}

/**
 * The index of `dir`: the snapshot with the log applied, or a rebuild from
 * the layout when the snapshot is out of date. Missing store: empty.
 */
export async function loadIndex(dir: string, slicer: Slicer = new Slicer()): Promise<LoadedIndex> {
  const snapshot = readSnapshot(dir);
  if (snapshot !== undefined) {
    const log = readLog(dir, snapshot.ino, snapshot.offset);
    if (log !== undefined) {
      const released = new Map<string, number>();
      for (const line of log.lines) apply(snapshot.items, line, 0, snapshot.functions, released);
      return { items: snapshot.items, log: { ino: log.ino, offset: log.end }, rebuilt: false, released };
    }
  }
  return rebuild(dir, slicer);
}

async function rebuild(dir: string, slicer: Slicer): Promise<LoadedIndex> {
  const scanStarted = Date.now();
  const items = new Map<string, IndexItem>();
  const functions = new Functions();
  const indexRoot = join(dir, INDEX_DIR);
  for await (const entry of scanEntries(dir, slicer)) {
    const digest = entry.bucket
      .slice(indexRoot.length + 1)
      .split(sep)
      .join("");
    const { metadata } = entry;
    const fn = functions.get(metadata.kind, metadata.name, metadata.file, metadata.hash);
    items.set(digest, {
      digest,
      integrity: entry.record.integrity!,
      size: entry.size,
      time: entry.time,
      usedAt: entry.usedAt,
      expires: metadata.expires ?? 0,
      fn,
    });
  }
  const log = readLog(dir, 0, 0) ?? { ino: 0, end: 0, lines: [] };
  for (const line of log.lines) apply(items, line, scanStarted - REBUILD_OVERLAP_MS, functions);
  // What a rebuild's log lets go is found by the walk of every content folder a rebuild makes (`sweep.ts`).
  return { items, log: { ino: log.ino, offset: log.end }, rebuilt: true, released: new Map() };
}

/** Where the log ends now (what a `WritesSince` later reads from). */
export function logPosition(dir: string): LogPosition {
  try {
    const stats = statSync(join(dir, OWN_DIR, LOG_FILE));
    return { ino: stats.ino, offset: stats.size };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { ino: 0, offset: 0 };
    throw error;
  }
}

/**
 * The integrities of the writes logged since a position, read on demand:
 * each `read()` parses only what was appended since the one before (a
 * remover reads the log after each batch it moved aside, and its own
 * removals are logged meanwhile).
 */
export class WritesSince {
  private readonly integrities = new Set<string>();
  constructor(
    private readonly dir: string,
    private position: LogPosition,
  ) {}
  read(): ReadonlySet<string> {
    const log = readLog(this.dir, this.position.ino, this.position.offset);
    if (log === undefined) return this.integrities; // cut by something else: nothing newer to see in it
    for (const line of log.lines) if (line[0] === "w") this.integrities.add(line[2] as string);
    this.position = { ino: log.ino, offset: log.end };
    return this.integrities;
  }
}
