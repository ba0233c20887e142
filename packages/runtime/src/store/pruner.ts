/**
 * The runtime keeps its store under `maxSize` by itself: after writes, never
 * on a hit's path, one pruner at a time across processes.
 *
 * A process prunes in the background (after the write that triggers it has
 * returned) when, since its last prune, it has written an eighth of
 * `maxSize`, or on its first write when nobody has pruned the store for ten
 * minutes (so many short processes that each write a little keep it bounded
 * too). A prune takes `cachephant/prune.lock`; a process that finds it held
 * skips (the holder is doing the work). So a store exceeds its bound by at
 * most an eighth of it per process writing between two prunes, and the work
 * of pruning is amortized over that many written bytes.
 */
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { settingsFor } from "../config.js";
import { pruneStore } from "./maintenance.js";
import { forgetMemory } from "./memory-tier.js";
import { OWN_DIR, PRUNE_STAMP } from "./layout.js";
import { tryLock } from "./lock.js";
import { debugLine } from "../warn.js";

/** In `OWN_DIR`: why the last background prune failed, until one succeeds (`verify` reports it). */
const PRUNE_FAILED = "prune-failed.json";

/** The last background prune's failure, if the store has one on record. Never throws. */
export function lastPruneFailure(dir: string): { time: string; error: string } | undefined {
  try {
    const note = JSON.parse(readFileSync(join(dir, OWN_DIR, PRUNE_FAILED), "utf8")) as { time?: unknown; error?: unknown };
    return typeof note.time === "string" && typeof note.error === "string" ? { time: note.time, error: note.error } : undefined;
  } catch {
    return undefined;
  }
}

const PRUNE_LOCK_STALE_MS = 30_000;
const STAMP_MAX_AGE_MS = 10 * 60_000;

interface DirState {
  /** Bytes this process wrote since it last pruned. */
  written: number;
  firstWriteSeen: boolean;
  running: Promise<void> | undefined;
}

const states = new Map<string, DirState>();

/** Called by the store after each write of `bytes` to `dir`. Starts a background prune when one is due. */
export function noteWrite(dir: string, bytes: number, maxSize: number): void {
  let state = states.get(dir);
  if (state === undefined) {
    state = { written: 0, firstWriteSeen: false, running: undefined };
    states.set(dir, state);
  }
  state.written += bytes;
  const stale = !state.firstWriteSeen && stampIsOld(dir);
  state.firstWriteSeen = true;
  if (state.running !== undefined || (!stale && state.written < maxSize / 8)) return;
  const current = state;
  current.running = pruneWhileDue(dir, maxSize, current).finally(() => {
    current.running = undefined;
  });
}

/** Resolves when the background prune of `dir` (if any) is done. */
export function backgroundPrune(dir: string): Promise<void> {
  return states.get(dir)?.running ?? Promise.resolve();
}

async function pruneWhileDue(dir: string, maxSize: number, state: DirState): Promise<void> {
  // Let the write that triggered this return first.
  await new Promise((resolve) => setImmediate(resolve));
  do {
    state.written = 0;
    let lease;
    try {
      lease = tryLock(join(dir, OWN_DIR, "prune.lock"), PRUNE_LOCK_STALE_MS);
    } catch {
      return; // a store that cannot be written has nothing to prune
    }
    if (lease === undefined) return; // another process is pruning
    try {
      await pruneStore(dir, { maxSize });
      clearPruneFailure(dir);
      // What memory holds of the entries it removed must not be served.
      forgetMemory(dir);
    } catch (error) {
      // It costs nothing but space, and the next write tries again; but the store may grow past its bound meanwhile.
      notePruneFailure(dir, error);
    } finally {
      lease.release();
    }
    // Bytes written meanwhile may have made another prune due.
  } while (state.written > 0 && state.written >= maxSize / 8);
}

/** Forgets a failure on record (after a prune that succeeded). Never throws. */
export function clearPruneFailure(dir: string): void {
  try {
    rmSync(join(dir, OWN_DIR, PRUNE_FAILED), { force: true });
  } catch {
    // Nothing to forget, or a store that cannot be written: the note stays until the next success.
  }
}

function notePruneFailure(dir: string, error: unknown): void {
  const message = error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}` : String(error);
  if (settingsFor().debug) debugLine(`background prune of ${dir} failed: ${message}`);
  try {
    writeFileSync(join(dir, OWN_DIR, PRUNE_FAILED), JSON.stringify({ time: new Date().toISOString(), error: message }), { mode: 0o600 });
  } catch {
    // A store that cannot be written cannot keep the note either.
  }
}

function stampIsOld(dir: string): boolean {
  try {
    return statSync(join(dir, OWN_DIR, PRUNE_STAMP)).mtimeMs < Date.now() - STAMP_MAX_AGE_MS;
  } catch {
    return true;
  }
}
