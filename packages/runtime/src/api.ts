/**
 * The public api for managing the store: `list`, `clear`, `prune`, `verify`
 * (the CLI is built on these). Each takes an optional `dir`; without it they
 * use the store that cached functions use in this process (see `config.ts`).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { builtHashes } from "./built-functions.js";
import { settingsFor } from "./config.js";
import { byFileAndName, sameFile } from "./entry-match.js";
import { ConfigError } from "./errors.js";
import { forgetStoredParts } from "./key-change.js";
import { forgetMarkers } from "./markers.js";
import {
  clearPruneFailure,
  clearStats,
  clearStore,
  CodeVersions,
  functionKey,
  forgetMemory,
  lastPruneFailure,
  pruneStore,
  readStats,
  totalsByFunction,
  verifyStore,
  type Progress,
  type PruneOutcome,
} from "./store/index.js";
import { DURATION_FORMAT_HINT, parseDuration, parseSize, SIZE_FORMAT_HINT } from "./units.js";

export type { Progress, PruneOutcome } from "./store/index.js";

export interface StoreOptions {
  /** Cache directory (relative to the working directory, like the CLI's `--dir`). Default: the one cached functions use. */
  dir?: string;
}

/** One cached function's results: what both the store's and the remote's listings say. */
export interface FunctionSummary {
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

/** One cached function in `list()`. */
export interface FunctionRow extends FunctionSummary {
  /**
   * Of its results, those of code that no longer exists: a code hash the
   * latest build of its module does not have (or, for a function no build
   * recorded, such as a `cached()` one, not the hash of its latest results).
   */
  superseded: number;
  /** Bytes of those results. */
  supersededSize: number;
  /** Calls served without computing (from the store, the remote tier, or a running call), over all processes that exited. */
  hits: number;
  /** Calls that computed. */
  misses: number;
  /** Time the hits saved, in ms: each hit's entry's compute time minus the hit's own time. */
  savedMs: number;
}

/**
 * One row per cached function in the store, sorted by file, then name.
 * Reads the index as a stream: memory grows with the functions, not the entries.
 */
export async function list(options: StoreOptions = {}): Promise<FunctionRow[]> {
  const dir = storeDir(options);
  const rows = await totalsByFunction(dir, currentCode());
  const counts = readStats(dir);
  return rows
    .map(({ lastUsed, ...row }) => {
      const { hits = 0, misses = 0, savedMs = 0 } = counts.get(functionKey(row.name, row.file)) ?? {};
      return { ...row, lastUsed: new Date(lastUsed), hits, misses, savedMs: Math.round(savedMs) };
    })
    .sort(byFileAndName);
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
  forgetMemory(dir);
  if (everything) clearStats(dir);
  return { dir, removedEntries: outcome.removedEntries, freedBytes: outcome.freedBytes };
}

export interface PruneOptions extends StoreOptions {
  /** Size to fit the store in (`"500MB"` or bytes). Default: the configured size bound (`1GB`). */
  maxSize?: string | number;
  /** Remove entries older than this (`"7d"` or milliseconds). */
  maxAge?: string | number;
  /** Report what would be removed, remove nothing. */
  dryRun?: boolean;
  /**
   * Remove the results of code that no longer exists too (see
   * `FunctionRow.superseded`). Off by default: after switching branches,
   * the other branch's results are superseded, and may be wanted back.
   */
  superseded?: boolean;
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
 * Removes expired entries, entries not used for `maxAge`, superseded ones
 * (with `superseded: true`), then the least
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
  const superseded = options.superseded === true ? currentCode() : undefined;
  const outcome = await pruneStore(dir, { maxSize, maxAge, dryRun, onProgress: options.onProgress, superseded });
  if (!dryRun) {
    clearPruneFailure(dir);
    forgetMemory(dir);
  }
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
  /** The last background prune failed (and none succeeded since): the store may be past its bound. */
  pruneFailure?: { time: string; error: string };
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
    forgetMemory(dir);
  }
  const problems = outcome.problems.map(({ metadata, reason }) => ({
    name: metadata.name,
    file: metadata.file,
    reason,
  }));
  const pruneFailure = lastPruneFailure(dir);
  return {
    dir,
    checkedEntries: outcome.checkedEntries,
    removedEntries: problems.length,
    problems,
    ...(pruneFailure ? { pruneFailure } : {}),
  };
}

/** Whether the store folder exists (the CLI says so when it does not). */
export function storeExists(options: StoreOptions = {}): boolean {
  return existsSync(storeDir(options));
}

/** The absolute store directory the api uses for `options` (for the CLI's messages). */
export function storeDir(options: StoreOptions): string {
  return options.dir !== undefined ? resolve(options.dir) : settingsFor().dir;
}

/** What code exists now, from the builds recorded in the project (see `store/superseded.ts`). */
function currentCode(): CodeVersions {
  return new CodeVersions(builtHashes(settingsFor().root));
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
    dir:
      options.dir !== undefined
        ? { value: resolve(options.dir), source: "--dir" }
        : { value: settings.dir, source: settings.sources.dir },
    maxSize: { value: settings.maxSize, source: settings.sources.maxSize },
  };
}

function sizeOption(value: string | number): number {
  const bytes = parseSize(value);
  if (bytes === undefined)
    throw new ConfigError(`maxSize: ${JSON.stringify(value)} is not a size. Use ${SIZE_FORMAT_HINT}.`);
  return bytes;
}

function durationOption(value: string | number): number {
  const ms =
    typeof value === "number" ? (Number.isFinite(value) && value >= 0 ? value : undefined) : parseDuration(value);
  if (ms === undefined)
    throw new ConfigError(`maxAge: ${JSON.stringify(value)} is not a duration. Use ${DURATION_FORMAT_HINT}.`);
  return ms;
}
