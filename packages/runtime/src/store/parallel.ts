/**
 * File operations many at once: most of the store's whole-store work waits
 * on the disk (an `unlink` on the journal, a `readdir` of a folder not in
 * memory), and waits that overlap in Node's thread pool do not add up.
 */

/** File removals in flight at once by default (the thread pool runs four; the rest wait in its queue). */
export const PARALLEL_REMOVALS = 32;

/** Runs `work` on each of `items`, at most `limit` at once; rejects with the first failure, after the rest settled. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => void | Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}
