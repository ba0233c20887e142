/**
 * One prune at a time per store, across processes (`cachephant/prune.lock`):
 * a prune rewrites the side index, and two at once would each write their
 * own. The runtime's own prunes skip when it is held; `prune()` and the CLI
 * wait for the holder (a live one refreshes it; a dead one's goes stale).
 */
import { join } from "node:path";
import { StoreBusyError } from "../errors.js";
import { OWN_DIR } from "./layout.js";
import { sleep, tryLock, type Lease } from "./lock.js";

const PRUNE_LOCK = "prune.lock";
/** A prune lock not refreshed for this long belongs to a dead process. */
export const PRUNE_LOCK_STALE_MS = 30_000;
/** How long `prune()` waits for another process's prune. */
const PRUNE_LOCK_WAIT_MS = 5 * 60_000;

/**
 * The prune lock of `dir`, or undefined when another process holds it.
 * @throws when the lock cannot be made (a store that cannot be written).
 */
export function tryPruneLock(dir: string): Lease | undefined {
  if (prunedHere.has(dir)) return undefined;
  const lease = tryLock(join(dir, OWN_DIR, PRUNE_LOCK), PRUNE_LOCK_STALE_MS);
  if (lease === undefined) return undefined;
  prunedHere.add(dir);
  let released = false;
  return {
    release() {
      if (!released) prunedHere.delete(dir);
      released = true;
      lease.release();
    },
  };
}

/**
 * The stores this process prunes. Its own prunes never run two at once,
 * whatever the lock file's mtime says (a clock moved forward makes a live
 * holder's lock look stale).
 */
const prunedHere = new Set<string>();

/** Runs `work` holding the prune lock of `dir`, waiting for another holder first. */
export async function withPruneLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    const lease = tryPruneLock(dir);
    if (lease !== undefined) {
      try {
        return await work();
      } finally {
        lease.release();
      }
    }
    if (Date.now() - started > PRUNE_LOCK_WAIT_MS) {
      throw new StoreBusyError(
        `another process has been pruning ${dir} for over five minutes; try again when it is done`,
      );
    }
    await sleep(delay);
  }
}
