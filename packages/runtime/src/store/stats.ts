/**
 * Hits, misses and time saved per function, kept by each process in memory
 * (a hit adds two numbers: no write on its path) and written when the
 * process exits, one small file per process under `cachephant/stats/`. A
 * process that crashes or is killed loses its counts. `list()` and `stats()`
 * add the files up; a prune folds them into one (`stats.json`).
 *
 * Time saved by a hit = the compute time its entry recorded when it was
 * written, minus the hit's own time (negative when reading costs more than
 * computing did).
 */
import { randomBytes } from "node:crypto";
import {
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  closeSync,
} from "node:fs";
import { join } from "node:path";
import { isJsonError, isSystemError } from "@cachephant/core/scan";
import { OWN_DIR } from "./layout.js";

/** The counts of one function. */
export interface FunctionCounts {
  name: string;
  file: string;
  hits: number;
  misses: number;
  /** Sum over the hits of (the entry's compute time - the hit's time), in ms. */
  savedMs: number;
}

export const STATS_DIR = join(OWN_DIR, "stats");
/** What the process files were folded into. */
const FOLDED = "stats.json";
/** Held while folding; one older than this belongs to a process that died folding. */
const FOLD_LOCK = "fold.lock";
const FOLD_LOCK_STALE_MS = 60_000;
/** Process files a reading folds beyond. */
const MAX_UNFOLDED = 32;

// Per store dir, per function: this process's counts not yet written.
const pending = new Map<string, Map<string, FunctionCounts>>();
let flushOnExit = false;

export function functionKey(name: string, file: string): string {
  return `${file}\0${name}`;
}

function countsOf(dir: string, name: string, file: string): FunctionCounts {
  if (!flushOnExit) {
    flushOnExit = true;
    process.once("exit", flushStats);
  }
  let byFunction = pending.get(dir);
  if (byFunction === undefined) {
    byFunction = new Map();
    pending.set(dir, byFunction);
  }
  const id = functionKey(name, file);
  let counts = byFunction.get(id);
  if (counts === undefined) {
    counts = { name, file, hits: 0, misses: 0, savedMs: 0 };
    byFunction.set(id, counts);
  }
  return counts;
}

/** A call served without computing: `savedMs` is the entry's compute time minus this call's time. */
export function countHit(dir: string, name: string, file: string, savedMs: number): void {
  const counts = countsOf(dir, name, file);
  counts.hits += 1;
  counts.savedMs += savedMs;
}

/** A call that computed. */
export function countMiss(dir: string, name: string, file: string): void {
  countsOf(dir, name, file).misses += 1;
}

/** Writes this process's counts (at exit; and before a listing in the same process). Never throws. */
export function flushStats(): void {
  for (const [dir, byFunction] of pending) {
    if (byFunction.size === 0) continue;
    try {
      const folder = join(dir, STATS_DIR);
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      const name = `${process.pid}-${randomBytes(4).toString("hex")}.json`;
      writeFileSync(join(folder, `${name}.tmp`), JSON.stringify([...byFunction.values()]), { mode: 0o600 });
      renameSync(join(folder, `${name}.tmp`), join(folder, name));
      byFunction.clear();
    } catch (error) {
      if (!isSystemError(error)) throw error;
      // A store that cannot be written loses this process's counts, as a crash would.
    }
  }
}

/** Every function's counts in the store at `dir`, this process's included. Never throws. */
export function readStats(dir: string): Map<string, FunctionCounts> {
  flushStats();
  let files = statsFiles(dir);
  // A notebook asking often leaves a file per question: fold them before they pile up.
  if (files.length > MAX_UNFOLDED) {
    foldStats(dir);
    files = statsFiles(dir);
  }
  const totals = new Map<string, FunctionCounts>();
  for (const file of files) addAll(totals, readCounts(file));
  return totals;
}

/**
 * Folds the process files into one, so that reading stays one file or a few.
 * One folder at a time (`fold.lock`); a file is removed only after the fold
 * that holds it is in place. Never throws.
 */
export function foldStats(dir: string): void {
  const folder = join(dir, STATS_DIR);
  const lock = join(folder, FOLD_LOCK);
  let fd: number;
  try {
    fd = openSync(lock, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST" && lockIsStale(lock)) rmSync(lock, { force: true });
    return;
  }
  try {
    const files = statsFiles(dir).filter((file) => !file.endsWith(FOLDED));
    if (files.length === 0) return;
    const totals = new Map<string, FunctionCounts>();
    addAll(totals, readCounts(join(folder, FOLDED)));
    for (const file of files) addAll(totals, readCounts(file));
    writeFileSync(join(folder, `${FOLDED}.tmp`), JSON.stringify([...totals.values()]), { mode: 0o600 });
    renameSync(join(folder, `${FOLDED}.tmp`), join(folder, FOLDED));
    for (const file of files) rmSync(file, { force: true });
  } catch (error) {
    if (!isSystemError(error)) throw error;
    // Folding is housekeeping: the process files stay and are read as they are.
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}

/** Forgets every count (a `clear` of the whole store). Never throws. */
export function clearStats(dir: string): void {
  pending.get(dir)?.clear();
  rmSync(join(dir, STATS_DIR), { recursive: true, force: true });
}

function statsFiles(dir: string): string[] {
  const folder = join(dir, STATS_DIR);
  try {
    return readdirSync(folder)
      .filter((name) => name.endsWith(".json"))
      .map((name) => join(folder, name));
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return [];
  }
}

function readCounts(file: string): FunctionCounts[] {
  try {
    const value = JSON.parse(readFileSync(file, "utf8")) as unknown;
    if (!Array.isArray(value)) return [];
    return (value as Array<Partial<FunctionCounts> | null>).filter(
      (item): item is FunctionCounts =>
        typeof item === "object" &&
        item !== null &&
        typeof item.name === "string" &&
        typeof item.file === "string" &&
        Number.isFinite(item.hits) &&
        Number.isFinite(item.misses) &&
        Number.isFinite(item.savedMs),
    );
  } catch (error) {
    if (!isSystemError(error) && !isJsonError(error)) throw error;
    return []; // a file being renamed into place, or damaged: its counts are lost, nothing else
  }
}

function addAll(totals: Map<string, FunctionCounts>, items: readonly FunctionCounts[]): void {
  for (const item of items) {
    const id = functionKey(item.name, item.file);
    const total = totals.get(id);
    if (total === undefined) {
      totals.set(id, { name: item.name, file: item.file, hits: item.hits, misses: item.misses, savedMs: item.savedMs });
    } else {
      total.hits += item.hits;
      total.misses += item.misses;
      total.savedMs += item.savedMs;
    }
  }
}

function lockIsStale(lock: string): boolean {
  try {
    return statSync(lock).mtimeMs < Date.now() - FOLD_LOCK_STALE_MS;
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return false;
  }
}
