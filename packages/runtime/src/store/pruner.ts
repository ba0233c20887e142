/**
 * The runtime keeps its store under `maxSize` by itself: after writes, never
 * on a hit's path, one pruner at a time across processes.
 *
 * After a write, a process looks at the store's size as the side index knows
 * it (the snapshot's first line and the log: `indexedBytes`) on its first
 * write, then each time it has written an eighth of `maxSize`, and when the
 * log has grown past 1 MiB; it prunes when the store is over its bound, the
 * log is that long, the index must be rebuilt, or nobody has pruned for ten
 * minutes. So many short processes that each write a little keep the store
 * bounded too. A background prune evicts down to seven eighths of the bound
 * (the next one is due an eighth later), takes `cachephant/prune.lock`, and
 * a process that finds it held skips (the holder is doing the work).
 *
 * A background prune never holds a program up at its end: its work yields
 * without keeping the process alive, and a process that has nothing else to
 * do gives it `EXIT_WAIT_MS` more, then exits; removals are logged slice by
 * slice, so a prune cut there leaves a true index.
 */
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { settingsFor } from "../config.js";
import { debugLine } from "../warn.js";
import { OWN_DIR, PRUNE_STAMP } from "./layout.js";
import { forgetMemory } from "./memory-tier.js";
import { pruneIndexed } from "./prune.js";
import { tryPruneLock } from "./prune-lock.js";
import { indexedBytes } from "./side-index.js";
import { isJsonError, isSystemError } from "@cachephant/core/scan";

/** In `OWN_DIR`: why the last background prune failed, until one succeeds (`verify` reports it). */
const PRUNE_FAILED = "prune-failed.json";

/** The last background prune's failure, if the store has one on record. Never throws. */
export function lastPruneFailure(dir: string): { time: string; error: string } | undefined {
  try {
    const note = JSON.parse(readFileSync(join(dir, OWN_DIR, PRUNE_FAILED), "utf8")) as {
      time?: unknown;
      error?: unknown;
    };
    return typeof note.time === "string" && typeof note.error === "string"
      ? { time: note.time, error: note.error }
      : undefined;
  } catch (error) {
    if (!isSystemError(error) && !isJsonError(error)) throw error;
    return undefined;
  }
}

const STAMP_MAX_AGE_MS = 10 * 60_000;
/** A log this long is folded into the snapshot by a prune. */
const LOG_FOLD_BYTES = 1 << 20;
/** Background prunes leave this share of the bound filled. */
const BACKGROUND_TARGET = 7 / 8;
/** How long a process with nothing else to do waits for its background prune before it exits. */
export const EXIT_WAIT_MS = 100;

interface DirState {
  /** Bytes this process wrote since it last looked at the store's size. */
  written: number;
  looked: boolean;
  running: Promise<void> | undefined;
}

const states = new Map<string, DirState>();

/** Called by the store after each write of `bytes` to `dir`, with the side index's log size after it. */
export function noteWrite(dir: string, bytes: number, maxSize: number, logBytes: number): void {
  let state = states.get(dir);
  if (state === undefined) {
    state = { written: 0, looked: false, running: undefined };
    states.set(dir, state);
  }
  state.written += bytes;
  if (state.running !== undefined) return;
  if (state.looked && state.written < maxSize / 8 && logBytes < LOG_FOLD_BYTES) return;
  state.looked = true;
  const current = state;
  installExitWait();
  current.running = pruneWhileDue(dir, maxSize, current).finally(() => {
    current.running = undefined;
  });
}

/** Resolves when the background prune of `dir` (if any) is done. */
export function backgroundPrune(dir: string): Promise<void> {
  return states.get(dir)?.running ?? Promise.resolve();
}

async function pruneWhileDue(dir: string, maxSize: number, state: DirState): Promise<void> {
  // Let the write that triggered this return first (without keeping the process alive for it).
  await new Promise((resolve) => setTimeout(resolve, 0).unref());
  do {
    state.written = 0;
    try {
      if (!isDue(dir, maxSize)) return;
      const lease = tryPruneLock(dir);
      if (lease === undefined) return; // another process is pruning
      try {
        await pruneIndexed(dir, { maxSize, target: maxSize * BACKGROUND_TARGET, background: true });
      } finally {
        lease.release();
      }
      clearPruneFailure(dir);
      // What memory holds of the entries it removed must not be served.
      forgetMemory(dir);
    } catch (error) {
      // It costs nothing but space, and the next write tries again; but the store may grow past its bound meanwhile.
      notePruneFailure(dir, error);
      return;
    }
    // Bytes written meanwhile may have made another prune due.
  } while (state.written >= maxSize / 8);
}

function isDue(dir: string, maxSize: number): boolean {
  const known = indexedBytes(dir);
  return known === undefined || known.bytes > maxSize || known.logBytes >= LOG_FOLD_BYTES || stampIsOld(dir);
}

let exitWaitInstalled = false;

/** Gives background prunes `EXIT_WAIT_MS` once the program has nothing else to do; then the process exits. */
function installExitWait(): void {
  if (exitWaitInstalled) return;
  exitWaitInstalled = true;
  let given = false;
  process.on("beforeExit", () => {
    const running = [...states.values()].flatMap((state) => (state.running === undefined ? [] : [state.running]));
    if (given || running.length === 0) return;
    given = true;
    const timer = setTimeout(() => {}, EXIT_WAIT_MS);
    void Promise.allSettled(running).then(() => clearTimeout(timer));
  });
}

/** Forgets a failure on record (after a prune that succeeded). Never throws. */
export function clearPruneFailure(dir: string): void {
  try {
    rmSync(join(dir, OWN_DIR, PRUNE_FAILED), { force: true });
  } catch (error) {
    if (!isSystemError(error)) throw error;
    // Nothing to forget, or a store that cannot be written: the note stays until the next success.
  }
}

function notePruneFailure(dir: string, error: unknown): void {
  const message =
    error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}` : String(error);
  if (settingsFor().debug) debugLine(`background prune of ${dir} failed: ${message}`);
  try {
    writeFileSync(
      join(dir, OWN_DIR, PRUNE_FAILED),
      JSON.stringify({ time: new Date().toISOString(), error: message }),
      { mode: 0o600 },
    );
  } catch (error) {
    if (!isSystemError(error)) throw error;
    // A store that cannot be written cannot keep the note either.
  }
}

function stampIsOld(dir: string): boolean {
  try {
    return statSync(join(dir, OWN_DIR, PRUNE_STAMP)).mtimeMs < Date.now() - STAMP_MAX_AGE_MS;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
}
