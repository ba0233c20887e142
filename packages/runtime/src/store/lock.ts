/**
 * A lock between processes: a file created with O_EXCL (`wx`), whose mtime
 * the holder refreshes while it holds it. A lock whose mtime is older than
 * its stale bound belongs to a holder that died (SIGKILL, crash) and may be
 * taken over. Like proper-lockfile, but with a file instead of a directory:
 * on local disks creating a file is atomic too, and it costs ~40 µs where
 * mkdir + rmdir costs over a millisecond on ext4.
 *
 * Two waiters that find the same stale lock at the same moment may both take
 * it: the cost is a computation done twice, never a wrong value (writes are
 * atomic on their own).
 */
import { closeSync, fchmodSync, openSync, statSync, unlinkSync, utimesSync } from "node:fs";
import { dirname } from "node:path";
import { FILE_MODE, forgetDir, makeOwnerDir } from "../files/index.js";
import { isSystemError } from "@cachephant/core/scan";

/** A held lock. */
export interface Lease {
  /** Gives the lock up (idempotent; never throws). */
  release(): void;
}

export const NO_LEASE: Lease = { release() {} };

/** Locks this process holds, released on exit so a normal exit never leaves one behind. */
const held = new Set<string>();
let exitHookInstalled = false;

/**
 * Takes the lock at `path` if it is free or stale. Returns undefined when
 * another live holder has it.
 * @throws when the lock's folder cannot be created or written (read-only store).
 */
export function tryLock(path: string, staleMs: number): Lease | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx", FILE_MODE);
      try {
        fchmodSync(fd, FILE_MODE);
      } finally {
        closeSync(fd);
      }
      return hold(path, staleMs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        forgetDir(dirname(path)); // made earlier, then removed (a clear)
        makeOwnerDir(dirname(path));
        continue;
      }
      if (code !== "EEXIST") throw error;
    }
    if (!isStale(path, staleMs)) return undefined;
    try {
      unlinkSync(path);
    } catch (error) {
      if (!isSystemError(error)) throw error;
      // Another waiter took the stale lock over first; try again.
    }
  }
  return undefined;
}

/** Whether the lock at `path` is missing or older than `staleMs`. */
export function isStale(path: string, staleMs: number): boolean {
  try {
    return statSync(path).mtimeMs < Date.now() - staleMs;
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return true;
  }
}

/** Whether a lock file is there (stale or not). */
export function isLocked(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return false;
  }
}

function hold(path: string, staleMs: number): Lease {
  held.add(path);
  installExitHook();
  // Refreshed well within the stale bound, so a live holder is never taken for dead.
  const timer = setInterval(
    () => {
      const now = new Date();
      try {
        utimesSync(path, now, now);
      } catch (error) {
        if (!isSystemError(error)) throw error;
        // Removed by a clear; the work goes on without it.
      }
    },
    Math.max(50, Math.floor(staleMs / 3)),
  );
  timer.unref();
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      held.delete(path);
      try {
        unlinkSync(path);
      } catch (error) {
        if (!isSystemError(error)) throw error;
        // Already gone (a clear, or taken over as stale): nothing to give up.
      }
    },
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const path of held) {
      try {
        unlinkSync(path);
      } catch (error) {
        if (!isSystemError(error)) throw error;
        // Gone already.
      }
    }
  });
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
