/**
 * Transient file errors are waited out, never taken for a broken store.
 * `EMFILE`/`ENFILE` (the process or the system is out of file descriptors:
 * many concurrent calls under `ulimit -n 256`, macOS's default) and `EAGAIN`
 * pass once other work closes its files. Like graceful-fs's queue: the store's
 * file work goes through a bounded number of slots, and an operation that
 * still meets such an error waits and tries again, up to a bound; only then
 * does it fail (costing that one operation, never the store).
 */

const TRANSIENT_CODES = new Set(["EMFILE", "ENFILE", "EAGAIN"]);
/** Store operations in flight at once per process; the rest queue (each holds a file or two). */
const SLOTS = 16;
/** How long one operation keeps trying through transient errors. */
export const TRANSIENT_WAIT_MS = 60_000;

/** Whether `error` is a file error that passes by itself. */
export function isTransient(error: unknown): boolean {
  return TRANSIENT_CODES.has((error as NodeJS.ErrnoException | undefined)?.code ?? "");
}

let active = 0;
const waiting: Array<() => void> = [];

/**
 * Runs `task` in one of the store's slots, trying again while it fails with
 * a transient error (with a growing pause, at most `waitMs` in all).
 * @throws the task's error when it is not transient, or still transient after `waitMs`.
 */
export async function inFileSlot<T>(task: () => T | Promise<T>, waitMs = TRANSIENT_WAIT_MS): Promise<T> {
  if (active >= SLOTS) await new Promise<void>((resolve) => waiting.push(resolve));
  active += 1;
  try {
    return await retryTransient(task, waitMs);
  } finally {
    active -= 1;
    waiting.shift()?.();
  }
}

/** `task`, tried again while it fails with a transient error, for at most `waitMs`. */
export async function retryTransient<T>(task: () => T | Promise<T>, waitMs = TRANSIENT_WAIT_MS): Promise<T> {
  const started = Date.now();
  for (let pause = 1; ; pause = Math.min(pause * 2, 100)) {
    try {
      return await task();
    } catch (error) {
      if (!isTransient(error) || Date.now() - started >= waitMs) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
