/**
 * Reading the side index's files (`side-index.ts`): the log from a point,
 * whole lines only (a last line without its newline is a write in
 * progress), and a file's bytes from an offset with its identity.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { OWN_DIR } from "./layout.js";

export const LOG_FILE = "entries.log";

export interface LogRead {
  readonly ino: number;
  /** Offset after the last whole line. */
  readonly end: number;
  readonly lines: unknown[][];
}

/**
 * The log's lines from `offset` when it is still the file `ino` (else from
 * its start). Undefined when the file `ino` is shorter than `offset` (cut by
 * something else: the index is out of date). A last line without its newline
 * is a write in progress: left for the next read.
 */
export function readLog(dir: string, ino: number, offset: number): LogRead | undefined {
  const path = join(dir, OWN_DIR, LOG_FILE);
  const file = readFileFrom(path, 0, (stats) => (stats.ino === ino ? offset : 0));
  if (file === undefined) return { ino: 0, end: 0, lines: [] };
  if (file.ino === ino && file.size < offset) return undefined;
  return { ino: file.ino, ...parseLog(file.bytes, file.start) };
}

export function readLogFile(path: string, offset: number): LogRead | undefined {
  const file = readFileFrom(path, offset);
  return file === undefined ? undefined : { ino: file.ino, ...parseLog(file.bytes, file.start) };
}

function parseLog(bytes: Buffer, start: number): { end: number; lines: unknown[][] } {
  const lines: unknown[][] = [];
  let at = 0;
  for (let newline = bytes.indexOf(10, at); newline !== -1; at = newline + 1, newline = bytes.indexOf(10, at)) {
    try {
      const line = JSON.parse(bytes.toString("utf8", at, newline)) as unknown;
      if (Array.isArray(line) && (line[0] === "w" || line[0] === "x")) lines.push(line);
    } catch (error) {
      // A line cut by a crash, followed by later ones: its entry is dropped by a prune when met.
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  return { end: start + at, lines };
}

/** The bytes of `path` from `from` (or from what `start` picks once the file's identity is known), with its inode and size. */
export function readFileFrom(
  path: string,
  from: number,
  start: (stats: { ino: number }) => number = () => from,
): { bytes: Buffer; ino: number; size: number; start: number } | undefined {
  const fd = openOrUndefined(path);
  if (fd === undefined) return undefined;
  try {
    const stats = fstatSync(fd);
    const first = start(stats);
    const bytes = Buffer.allocUnsafe(Math.max(0, stats.size - first));
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, first + read);
      if (n === 0) break;
      read += n;
    }
    return { bytes: bytes.subarray(0, read), ino: stats.ino, size: stats.size, start: first };
  } finally {
    closeSync(fd);
  }
}

export function openOrUndefined(path: string): number | undefined {
  try {
    return openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
