/**
 * The public api for managing the store: `list`, `clear`, `prune`, `verify`
 * (the CLI is built on these). Each takes an optional `dir`; without it they
 * use the store that cached functions use in this process (see `config.ts`).
 */
import { resolve } from "node:path";
import { settingsFor } from "./config.js";
import { ConfigError } from "./errors.js";
import {
  contentBytes,
  findStrayFiles,
  readIndex,
  removeAll,
  removeDamaged,
  removeEntries,
  removeFiles,
  checkEntry,
  type IndexedEntry,
} from "./maintenance.js";
import { forgetMarkers } from "./markers.js";
import { DURATION_FORMAT_HINT, parseDuration, parseSize, SIZE_FORMAT_HINT } from "./units.js";

/** Files younger than this are never taken for orphans: a writer may be about to index them. */
const STRAY_MIN_AGE_MS = 60_000;

export interface StoreOptions {
  /** Cache directory (relative to the working directory, like the CLI's `--dir`). Default: the one cached functions use. */
  dir?: string;
}

/** One cached function in `list()`. */
export interface FunctionRow {
  /** Name of the function (`loadReport`, `Api.fetch`). */
  name: string;
  /** File of the function, relative to the project root at build time. */
  file: string;
  /** Stored results, across all versions of its code. */
  entries: number;
  /** Bytes of those results. */
  size: number;
  /** When one of its results was last written. */
  lastUsed: Date;
}

/** One row per cached function in the store, sorted by file, then name. */
export async function list(options: StoreOptions = {}): Promise<FunctionRow[]> {
  const entries = await readIndex(storeDir(options));
  const rows = new Map<string, FunctionRow>();
  for (const entry of entries) {
    if (entry.metadata.kind !== "result") continue;
    const id = `${entry.metadata.file}\0${entry.metadata.name}`;
    const row = rows.get(id);
    if (row === undefined) {
      rows.set(id, {
        name: entry.metadata.name,
        file: entry.metadata.file,
        entries: 1,
        size: entry.size,
        lastUsed: new Date(entry.time),
      });
    } else {
      row.entries += 1;
      row.size += entry.size;
      if (entry.time > row.lastUsed.getTime()) row.lastUsed = new Date(entry.time);
    }
  }
  return [...rows.values()].sort((a, b) => compare(a.file, b.file) || compare(a.name, b.name));
}

export interface ClearTarget extends StoreOptions {
  /** Only the entries of functions with this name. */
  fn?: string;
  /** Only the entries of functions in this file (as `list()` shows it). */
  file?: string;
}

export interface ClearReport {
  /** Absolute directory of the store. */
  dir: string;
  /** Results removed. */
  removedEntries: number;
  /** Bytes of content removed. */
  freedBytes: number;
}

/** Removes all entries, or those of one function or file. */
export async function clear(target: ClearTarget = {}): Promise<ClearReport> {
  const dir = storeDir(target);
  const entries = await readIndex(dir);
  const matches = (entry: IndexedEntry) =>
    (target.fn === undefined || entry.metadata.name === target.fn) &&
    (target.file === undefined || sameFile(entry.metadata.file, target.file));
  const doomed = entries.filter(matches);
  const results = doomed.filter((entry) => entry.metadata.kind === "result").length;
  let freedBytes: number;
  if (target.fn === undefined && target.file === undefined) {
    freedBytes = contentBytes(entries);
    await removeAll(dir);
  } else {
    freedBytes = await removeEntries(dir, doomed, entries.filter((entry) => !matches(entry)));
  }
  forgetMarkers();
  return { dir, removedEntries: results, freedBytes };
}

export interface PruneOptions extends StoreOptions {
  /** Size to fit the store in (`"500MB"` or bytes). Default: the configured size bound (`1GB`). */
  maxSize?: string | number;
  /** Remove entries older than this (`"7d"` or milliseconds). */
  maxAge?: string | number;
  /** Report what would be removed, remove nothing. */
  dryRun?: boolean;
}

export interface PruneReport {
  /** Absolute directory of the store. */
  dir: string;
  dryRun: boolean;
  /** The size bound applied, in bytes. */
  maxSize: number;
  /** Results removed (or, on a dry run, that would be): expired, too old, or least recently used. */
  removedEntries: number;
  /** Of those, the ones removed because their ttl or `maxAge` had passed. */
  expiredEntries: number;
  /** Content files no entry used and leftover temporary files. */
  orphanedFiles: number;
  /** Bytes freed (or that would be). */
  freedBytes: number;
  /** Results left. */
  remainingEntries: number;
  /** Bytes of content left. */
  remainingBytes: number;
}

/**
 * Removes expired entries, entries older than `maxAge`, then the least
 * recently used ones until the store fits `maxSize`, then content no entry
 * uses. Entries of functions in other processes that write meanwhile stay
 * valid: young files are never taken for orphans.
 */
export async function prune(options: PruneOptions = {}): Promise<PruneReport> {
  const dir = storeDir(options);
  const maxSize = options.maxSize === undefined ? settingsFor().maxSize : sizeOption(options.maxSize);
  const maxAge = options.maxAge === undefined ? undefined : durationOption(options.maxAge);
  const dryRun = options.dryRun === true;
  const now = Date.now();

  const entries = await readIndex(dir);
  const results = entries.filter((entry) => entry.metadata.kind === "result");
  const isExpired = (entry: IndexedEntry) =>
    (entry.metadata.expires !== undefined && entry.metadata.expires <= now) ||
    (maxAge !== undefined && entry.time <= now - maxAge);
  const expired = results.filter(isExpired);
  // Oldest first: for now the write time stands for the last use.
  const kept = results.filter((entry) => !isExpired(entry)).sort((a, b) => a.time - b.time);
  const evicted = evictOldest(kept, maxSize);

  // Markers of functions that have no results left go too.
  const liveFunctions = new Set(kept.map((entry) => `${entry.metadata.file}\0${entry.metadata.name}`));
  const markers = entries.filter((entry) => entry.metadata.kind === "marker");
  const keptMarkers = markers.filter((entry) => liveFunctions.has(`${entry.metadata.file}\0${entry.metadata.name}`));
  const doomedMarkers = markers.filter((entry) => !liveFunctions.has(`${entry.metadata.file}\0${entry.metadata.name}`));

  const doomed = [...expired, ...evicted, ...doomedMarkers];
  const live = [...kept, ...keptMarkers];
  const stray = await findStrayFiles(dir, entries, STRAY_MIN_AGE_MS);
  const strayBytes = stray.reduce((sum, file) => sum + file.size, 0);

  let freedBytes: number;
  if (dryRun) {
    freedBytes = contentBytes(entries) - contentBytes(live) + strayBytes;
  } else {
    freedBytes = (await removeEntries(dir, doomed, live)) + strayBytes;
    await removeFiles(stray);
  }
  return {
    dir,
    dryRun,
    maxSize,
    removedEntries: expired.length + evicted.length,
    expiredEntries: expired.length,
    orphanedFiles: stray.length,
    freedBytes,
    remainingEntries: kept.length,
    remainingBytes: contentBytes(kept),
  };
}

export interface VerifyProblem {
  name: string;
  file: string;
  reason: string;
}

export interface VerifyReport {
  /** Absolute directory of the store. */
  dir: string;
  /** Results read. */
  checkedEntries: number;
  /** Damaged results, removed. */
  removedEntries: number;
  problems: VerifyProblem[];
}

/**
 * Reads every entry (integrity check and decode), removes the damaged ones.
 * Per-function markers are checked too, and replaced on the next write when
 * damaged; they are not reported.
 */
export async function verify(options: StoreOptions = {}): Promise<VerifyReport> {
  const dir = storeDir(options);
  const entries = await readIndex(dir);
  const problems: VerifyProblem[] = [];
  let removedMarkers = 0;
  for (const entry of entries) {
    const reason = await checkEntry(dir, entry);
    if (reason === undefined) continue;
    await removeDamaged(dir, entry);
    if (entry.metadata.kind === "result") problems.push({ name: entry.metadata.name, file: entry.metadata.file, reason });
    else removedMarkers += 1;
  }
  if (problems.length + removedMarkers > 0) forgetMarkers();
  const checkedEntries = entries.filter((entry) => entry.metadata.kind === "result").length;
  return { dir, checkedEntries, removedEntries: problems.length, problems };
}

/**
 * Takes entries off the front of `oldestFirst` (in place) until the content
 * the rest use fits `maxSize`; returns the ones taken. Content shared by
 * several entries counts once and is freed with its last user.
 */
function evictOldest(oldestFirst: IndexedEntry[], maxSize: number): IndexedEntry[] {
  const users = new Map<string, number>();
  for (const entry of oldestFirst) users.set(entry.path, (users.get(entry.path) ?? 0) + 1);
  let total = contentBytes(oldestFirst);
  let taken = 0;
  while (taken < oldestFirst.length && total > maxSize) {
    const entry = oldestFirst[taken++]!;
    const left = users.get(entry.path)! - 1;
    users.set(entry.path, left);
    if (left === 0) total -= entry.size;
  }
  return oldestFirst.splice(0, taken);
}

/** The absolute store directory the api uses for `options` (for the CLI's messages). */
export function storeDir(options: StoreOptions): string {
  return options.dir !== undefined ? resolve(options.dir) : settingsFor().dir;
}

function sizeOption(value: string | number): number {
  const bytes = parseSize(value);
  if (bytes === undefined) throw new ConfigError(`maxSize: ${JSON.stringify(value)} is not a size. Use ${SIZE_FORMAT_HINT}.`);
  return bytes;
}

function durationOption(value: string | number): number {
  const ms = typeof value === "number" ? (Number.isFinite(value) && value >= 0 ? value : undefined) : parseDuration(value);
  if (ms === undefined) throw new ConfigError(`maxAge: ${JSON.stringify(value)} is not a duration. Use ${DURATION_FORMAT_HINT}.`);
  return ms;
}

function sameFile(stored: string, wanted: string): boolean {
  const normalize = (path: string) => path.replaceAll("\\", "/").replace(/^\.\//, "");
  return normalize(stored) === normalize(wanted);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
