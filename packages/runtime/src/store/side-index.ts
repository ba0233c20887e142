/**
 * The side index: what `prune` and `ls` need of every entry (size, write
 * time, last use known, expiry, function) in two files beside cacache's
 * layout, so that they read two files instead of every bucket:
 *
 * - `cachephant/entries`: a snapshot, written whole (temporary file, rename)
 *   by a prune under the prune lock. First line a header (format, the total
 *   size, how far into the log it goes), then one line per function and code
 *   version followed by one line per entry of it.
 * - `cachephant/entries.log`: a line appended by each write before its index
 *   line (so a crash leaves at most an entry the index names and the layout
 *   lacks, which a prune drops when it meets it), and by each removal.
 *
 * The snapshot is rebuilt from the layout (a full scan) when it is missing,
 * unreadable, of another format, or when its log was cut shorter than the
 * point it records; see `docs/store.md`. The layout stays the truth: last
 * uses newer than the index's are read from the buckets' mtimes.
 */
import { closeSync, readSync, renameSync, statSync, unlinkSync } from "node:fs";
import { join, sep } from "node:path";
import { appendSafely } from "./append.js";
import { makeOwnerDir, writeOwnerFile } from "../files/index.js";
import { INDEX_DIR, OWN_DIR, type EntryMetadata } from "./layout.js";
import { scanEntries, Slicer } from "./scan.js";
import { LOG_FILE, openOrUndefined, readFileFrom, readLog, readLogFile } from "./side-index-files.js";

export { LOG_FILE } from "./side-index-files.js";

export const SNAPSHOT_FILE = "entries";
const FORMAT = 1;
/** A rebuild also takes log lines written this long before its scan began (a writer logs just before its index line). */
const REBUILD_OVERLAP_MS = 1000;

/** A function's code version, shared by its entries. */
export interface IndexedFunction {
  readonly kind: "result" | "marker";
  readonly name: string;
  readonly file: string;
  readonly hash: string;
}

/** One entry as the side index knows it. */
export interface IndexItem {
  /** sha256 of the key: names its bucket. */
  readonly digest: string;
  readonly integrity: string;
  readonly size: number;
  /** When it was written (ms since the epoch). */
  readonly time: number;
  /** Its last use as known (the bucket's mtime may be later). */
  usedAt: number;
  /** When it stops being served; 0: never. */
  readonly expires: number;
  readonly fn: IndexedFunction;
}

export interface LoadedIndex {
  readonly items: Map<string, IndexItem>;
  /** The log file and how far it was read (`ino` 0: a log made after the snapshot, to be read from its start). */
  readonly log: { readonly ino: number; readonly offset: number };
  /** Whether the snapshot was rebuilt from the layout by this load. */
  readonly rebuilt: boolean;
}

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
      for (const line of log.lines) apply(snapshot.items, line, 0, snapshot.functions);
      return { items: snapshot.items, log: { ino: log.ino, offset: log.end }, rebuilt: false };
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
  return { items, log: { ino: log.ino, offset: log.end }, rebuilt: true };
}

/** Applies one log line; writes older than `since` are skipped (a rebuild's scan saw them). */
function apply(items: Map<string, IndexItem>, line: unknown[], since: number, functions: Functions): void {
  if (line[0] === "x") {
    const [, digest, time] = line as [string, string, number];
    if (items.get(digest)?.time === time) items.delete(digest);
    return;
  }
  const [, digest, integrity, size, time, expires, kind, name, file, hash] = line as [
    string,
    string,
    string,
    number,
    number,
    number,
    string,
    string,
    string,
    string,
  ];
  if (time < since) return;
  const known = items.get(digest);
  if (known !== undefined && (known.time > time || (known.time === time && known.integrity === integrity))) return;
  const fn = functions.get(kind === "r" ? "result" : "marker", name, file, hash);
  items.set(digest, { digest, integrity, size, time, usedAt: time, expires, fn });
}

/**
 * Writes the snapshot of `items`, taking the log up to `log`. When the log
 * has grown past `rotateBytes`, it is moved aside first and what was
 * appended to it since `log` is taken too (writers that appended to the
 * moved file write again to a new one: see `append.ts`).
 */
export function saveIndex(
  dir: string,
  items: Map<string, IndexItem>,
  log: LoadedIndex["log"],
  rotateBytes = 1 << 20,
): void {
  const logPath = join(dir, OWN_DIR, LOG_FILE);
  let taken = log;
  let moved: string | undefined;
  if (log.offset >= rotateBytes) {
    moved = `${logPath}.${process.pid}.old`;
    try {
      renameSync(logPath, moved);
      const rest = readLogFile(moved, log.offset);
      const functions = new Functions(items.values());
      for (const line of rest?.lines ?? []) apply(items, line, 0, functions);
      taken = { ino: 0, offset: 0 };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      moved = undefined;
    }
  }
  const byFunction = new Map<IndexedFunction, IndexItem[]>();
  let bytes = 0;
  for (const item of items.values()) {
    bytes += item.size;
    const list = byFunction.get(item.fn);
    if (list === undefined) byFunction.set(item.fn, [item]);
    else list.push(item);
  }
  const header = { v: FORMAT, ino: taken.ino, offset: taken.offset, entries: items.size, bytes };
  const lines = [JSON.stringify(header)];
  for (const [fn, list] of byFunction) {
    lines.push(JSON.stringify(["f", fn.kind === "result" ? "r" : "m", fn.name, fn.file, fn.hash]));
    for (const item of list)
      lines.push(JSON.stringify([item.digest, item.integrity, item.size, item.time, item.usedAt, item.expires]));
  }
  const path = join(dir, OWN_DIR, SNAPSHOT_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  makeOwnerDir(join(dir, OWN_DIR));
  writeOwnerFile(temporary, Buffer.from(`${lines.join("\n")}\n`), "w");
  renameSync(temporary, path);
  if (moved !== undefined) unlinkSync(moved);
}

/** Where the log ends now (what `loggedSince` later reads from). */
export function logPosition(dir: string): LoadedIndex["log"] {
  try {
    const stats = statSync(join(dir, OWN_DIR, LOG_FILE));
    return { ino: stats.ino, offset: stats.size };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { ino: 0, offset: 0 };
    throw error;
  }
}

/** The integrities of the writes logged after `position`. */
export function writtenSince(dir: string, position: LoadedIndex["log"]): Set<string> {
  const integrities = new Set<string>();
  for (const line of readLog(dir, position.ino, position.offset)?.lines ?? []) {
    if (line[0] === "w") integrities.add(line[2] as string);
  }
  return integrities;
}

/** Removes the snapshot, so that the next load rebuilds it from the layout. */
export function dropIndex(dir: string): void {
  try {
    unlinkSync(join(dir, OWN_DIR, SNAPSHOT_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

/**
 * The store's size as the index knows it (snapshot total plus the writes
 * logged since; a rewritten key counts twice until the next prune), and the
 * log's size; undefined when there is no usable snapshot. Reads the
 * snapshot's first line and the log only.
 */
export function indexedBytes(dir: string): { bytes: number; logBytes: number } | undefined {
  const header = readHeader(join(dir, OWN_DIR, SNAPSHOT_FILE));
  if (header === undefined) return undefined;
  const log = readLog(dir, header.ino, header.offset);
  if (log === undefined) return undefined;
  let bytes = header.bytes;
  for (const line of log.lines) if (line[0] === "w") bytes += line[3] as number;
  return { bytes, logBytes: log.end };
}

interface Header {
  readonly v: number;
  readonly ino: number;
  readonly offset: number;
  readonly entries: number;
  readonly bytes: number;
}

function parseHeader(text: string): Header | undefined {
  try {
    const header = JSON.parse(text) as Partial<Header>;
    if (
      header.v !== FORMAT ||
      typeof header.ino !== "number" ||
      typeof header.offset !== "number" ||
      typeof header.bytes !== "number"
    )
      return undefined;
    return header as Header;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

function readHeader(path: string): Header | undefined {
  const fd = openOrUndefined(path);
  if (fd === undefined) return undefined;
  try {
    const buffer = Buffer.allocUnsafe(1024);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const end = buffer.indexOf(10);
    return end === -1 || end >= n ? undefined : parseHeader(buffer.toString("utf8", 0, end));
  } finally {
    closeSync(fd);
  }
}

function readSnapshot(dir: string): (Header & { items: Map<string, IndexItem>; functions: Functions }) | undefined {
  const file = readFileFrom(join(dir, OWN_DIR, SNAPSHOT_FILE), 0);
  if (file === undefined) return undefined;
  const text = file.bytes.toString("utf8");
  const lines = text.split("\n");
  const header = parseHeader(lines[0] ?? "");
  if (header === undefined || !text.endsWith("\n")) return undefined;
  const items = new Map<string, IndexItem>();
  const functions = new Functions();
  let fn: IndexedFunction | undefined;
  try {
    for (let i = 1; i < lines.length - 1; i++) {
      const row = JSON.parse(lines[i]!) as unknown[];
      if (row[0] === "f") {
        fn = functions.get(row[1] === "r" ? "result" : "marker", row[2] as string, row[3] as string, row[4] as string);
        continue;
      }
      const [digest, integrity, size, time, usedAt, expires] = row as [string, string, number, number, number, number];
      if (fn === undefined) return undefined;
      items.set(digest, { digest, integrity, size, time, usedAt, expires, fn });
    }
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  return { ...header, items, functions };
}

/** One object per function and code version, shared by its entries. */
class Functions {
  private readonly known = new Map<string, IndexedFunction>();
  constructor(items: Iterable<IndexItem> = []) {
    for (const { fn } of items) this.known.set(Functions.id(fn.kind, fn.name, fn.file, fn.hash), fn);
  }
  private static id(kind: string, name: string, file: string, hash: string): string {
    return `${kind}\0${name}\0${file}\0${hash}`;
  }
  get(kind: "result" | "marker", name: string, file: string, hash: string): IndexedFunction {
    const id = Functions.id(kind, name, file, hash);
    let fn = this.known.get(id);
    if (fn === undefined) this.known.set(id, (fn = { kind, name, file, hash }));
    return fn;
  }
}
