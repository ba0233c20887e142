/**
 * The file calls of whole-store work (prune, clear), made either through
 * Node's thread pool or synchronously.
 *
 * Through the thread pool, calls that wait on the disk overlap (an `unlink`
 * that frees a block waits on the journal: 1-3 ms on this project's CI disk
 * one after another, 0.1-0.3 ms each with 32 in flight). But each call pays
 * the hop to the pool and back, 20-40 µs, which is most of its cost when the
 * file system answers from memory (tmpfs, a store whose folders are cached):
 * there a synchronous call takes a few microseconds. `adaptiveFileOps` starts
 * synchronous and moves to the thread pool for good once its calls wait
 * (`SLOW_CALL_MS`), so a slow disk costs some ten slow calls more.
 *
 * Synchronous calls hold the event loop: only a prune or clear the user runs
 * (the CLI, the api) uses them; the runtime's own prune in the background of
 * a program always goes through the pool.
 */
import { readdirSync, renameSync, statSync, unlinkSync, type Stats } from "node:fs";
import { readdir, rename, stat, unlink } from "node:fs/promises";

export interface FileOps {
  rename(from: string, to: string): void | Promise<void>;
  stat(path: string): Stats | Promise<Stats>;
  unlink(path: string): void | Promise<void>;
  readdir(path: string): string[] | Promise<string[]>;
}

/** Every call through the thread pool. */
export const POOLED_FILE_OPS: FileOps = {
  rename,
  stat: (path) => stat(path),
  unlink,
  readdir: (path) => readdir(path),
};

/**
 * When synchronous calls take this long on average (a moving average, so that
 * one call held up by a garbage collection or a busy CPU does not count), they
 * wait on the disk: a call answered from memory takes microseconds.
 */
export const SLOW_CALL_MS = 1;
/** The moving average's weight of the newest call: a disk at 2 ms a call is found within about ten calls. */
const NEWEST_WEIGHT = 0.1;
/**
 * A call counts in the average for at most this many times `SLOW_CALL_MS`:
 * one call held up for tens of milliseconds (a garbage collection, a process
 * descheduled on a loaded machine) would otherwise pass the bound alone; a
 * disk that waits is found by the next few calls all the same.
 */
const SAMPLE_CAP = 4;

/** Synchronous calls until they are slow, then the thread pool's (see above). */
export function adaptiveFileOps(slowCallMs = SLOW_CALL_MS): FileOps & { readonly pooled: boolean } {
  let pooled = false;
  let averageMs = 0;
  const timed = <A extends unknown[], R>(sync: (...args: A) => R, viaPool: (...args: A) => Promise<R>) => {
    return (...args: A): R | Promise<R> => {
      if (pooled) return viaPool(...args);
      const start = performance.now();
      try {
        return sync(...args);
      } finally {
        const tookMs = Math.min(performance.now() - start, slowCallMs * SAMPLE_CAP);
        averageMs += (tookMs - averageMs) * NEWEST_WEIGHT;
        if (averageMs > slowCallMs) pooled = true;
      }
    };
  };
  return {
    get pooled() {
      return pooled;
    },
    rename: timed(renameSync, rename),
    stat: timed(
      (path: string) => statSync(path),
      (path: string) => stat(path),
    ),
    unlink: timed(unlinkSync, unlink),
    readdir: timed(
      (path: string) => readdirSync(path),
      (path: string) => readdir(path),
    ),
  };
}
