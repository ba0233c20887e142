/**
 * The public api for managing the store: `list`, `clear`, `prune`, `verify`
 * (the CLI is built on these). Each takes an optional `dir`; without it they
 * use the store that cached functions use in this process (see `config.ts`).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { settingsFor } from "./config.js";
import { ConfigError } from "./errors.js";
import { clearStore, pruneStore, totalsByFunction, verifyStore, type Progress, type PruneOutcome } from "./maintenance.js";
import { forgetStoredParts } from "./key-change.js";
import { forgetMarkers } from "./markers.js";
import { DURATION_FORMAT_HINT, parseDuration, parseSize, SIZE_FORMAT_HINT } from "./units.js";

export type { Progress, PruneOutcome } from "./maintenance.js";

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
  /** When one of its results was last used (read or written). */
  lastUsed: Date;
}

/**
 * One row per cached function in the store, sorted by file, then name.
 * Reads the index as a stream: memory grows with the functions, not the entries.
 */
export async function list(options: StoreOptions = {}): Promise<FunctionRow[]> {
  const rows = await totalsByFunction(storeDir(options));
  return rows
    .map(({ lastUsed, ...row }) => ({ ...row, lastUsed: new Date(lastUsed) }))
    .sort((a, b) => compare(a.file, b.file) || compare(a.name, b.name));
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

/**
 * Removes all entries, or those of one function or file. Safe beside running
 * programs: an entry written or used after the clear started stays.
 */
export async function clear(target: ClearTarget = {}): Promise<ClearReport> {
  const dir = storeDir(target);
  const everything = target.fn === undefined && target.file === undefined;
  const outcome = await clearStore(
    dir,
    everything
      ? undefined
      : (metadata) =>
          (target.fn === undefined || metadata.name === target.fn) &&
          (target.file === undefined || sameFile(metadata.file, target.file)),
  );
  forgetMarkers();
  forgetStoredParts();
  return { dir, removedEntries: outcome.removedEntries, freedBytes: outcome.freedBytes };
}

export interface PruneOptions extends StoreOptions {
  /** Size to fit the store in (`"500MB"` or bytes). Default: the configured size bound (`1GB`). */
  maxSize?: string | number;
  /** Remove entries older than this (`"7d"` or milliseconds). */
  maxAge?: string | number;
  /** Report what would be removed, remove nothing. */
  dryRun?: boolean;
  /** Called now and then during long work with the step and the entries done so far. */
  onProgress?: Progress;
}

export interface PruneReport extends PruneOutcome {
  /** Absolute directory of the store. */
  dir: string;
  dryRun: boolean;
  /** The size bound applied, in bytes. */
  maxSize: number;
}

/**
 * Removes expired entries, entries not used for `maxAge`, then the least
 * recently used ones (a hit counts as a use) until the store fits
 * `maxSize`, then content no entry uses. Safe beside running programs: an
 * entry written or used after the prune started stays, and files younger
 * than a minute are never taken for orphans.
 */
export async function prune(options: PruneOptions = {}): Promise<PruneReport> {
  const dir = storeDir(options);
  const maxSize = options.maxSize === undefined ? settingsFor().maxSize : sizeOption(options.maxSize);
  const maxAge = options.maxAge === undefined ? undefined : durationOption(options.maxAge);
  const dryRun = options.dryRun === true;
  const outcome = await pruneStore(dir, { maxSize, maxAge, dryRun, onProgress: options.onProgress });
  return { dir, dryRun, maxSize, ...outcome };
}

export interface VerifyProblem {
  name: string;
  file: string;
  reason: string;
}

export interface VerifyOptions extends StoreOptions {
  /** Called now and then during long work with the step and the entries done so far. */
  onProgress?: Progress;
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
 * Reads every entry (size, integrity, decode) and removes the damaged ones.
 * Safe beside running writers: an entry rewritten meanwhile is left alone,
 * content removed by a concurrent prune is not damage. Per-function markers
 * are checked too, and replaced on the next write when damaged; they are not
 * reported.
 */
export async function verify(options: VerifyOptions = {}): Promise<VerifyReport> {
  const dir = storeDir(options);
  const outcome = await verifyStore(dir, options.onProgress);
  if (outcome.problems.length + outcome.removedMarkers > 0) {
    forgetMarkers();
    forgetStoredParts();
  }
  const problems = outcome.problems.map(({ metadata, reason }) => ({ name: metadata.name, file: metadata.file, reason }));
  return { dir, checkedEntries: outcome.checkedEntries, removedEntries: problems.length, problems };
}

/** Whether the store folder exists (the CLI says so when it does not). */
export function storeExists(options: StoreOptions = {}): boolean {
  return existsSync(storeDir(options));
}

/** The absolute store directory the api uses for `options` (for the CLI's messages). */
export function storeDir(options: StoreOptions): string {
  return options.dir !== undefined ? resolve(options.dir) : settingsFor().dir;
}

/** A setting's value and where it came from, in words. */
export interface SettingReport<T> {
  readonly value: T;
  readonly source: string;
}

/** The store folder and size bound the api and the CLI use, each with where it came from. */
export interface StoreSettings {
  readonly dir: SettingReport<string>;
  readonly maxSize: SettingReport<number>;
}

/** The store folder (`options.dir`, given: `--dir`) and the size bound in effect, with their sources. */
export function storeSettings(options: StoreOptions = {}): StoreSettings {
  const settings = settingsFor();
  return {
    dir: options.dir !== undefined ? { value: resolve(options.dir), source: "--dir" } : { value: settings.dir, source: settings.sources.dir },
    maxSize: { value: settings.maxSize, source: settings.sources.maxSize },
  };
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
