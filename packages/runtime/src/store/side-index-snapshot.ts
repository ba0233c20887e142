/**
 * The side index's snapshot, `cachephant/entries` (`side-index.ts`): a
 * header line (format, how far into the log it goes, entries, total bytes),
 * then one line per function and code version followed by one line per
 * entry of it. Written whole (temporary file, rename) by a prune under the
 * prune lock; its header alone tells the store's size (`indexedBytes`).
 */
import { closeSync, readSync, renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { makeOwnerDir, writeOwnerFile } from "../files/index.js";
import { OWN_DIR } from "./layout.js";
import { apply, Functions, type IndexedFunction, type IndexItem, type LogPosition } from "./side-index-entries.js";
import { LOG_FILE, openOrUndefined, readFileFrom, readLog, readLogFile } from "./side-index-files.js";

export const SNAPSHOT_FILE = "entries";
const FORMAT = 1;

interface Header {
  readonly v: number;
  readonly ino: number;
  readonly offset: number;
  readonly entries: number;
  readonly bytes: number;
}

/**
 * Writes the snapshot of `items`, taking the log up to `log`. When the log
 * has grown past `rotateBytes`, it is moved aside first and what was
 * appended to it since `log` is taken too (writers that appended to the
 * moved file write again to a new one: see `append.ts`).
 */
export function saveIndex(dir: string, items: Map<string, IndexItem>, log: LogPosition, rotateBytes = 1 << 20): void {
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

/** The snapshot of `dir` with its header, or undefined when it is missing, unreadable or of another format. */
export function readSnapshot(
  dir: string,
): (Header & { items: Map<string, IndexItem>; functions: Functions }) | undefined {
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
