/**
 * What `store.ts`'s store does besides reading, loaded on its first use: a
 * process that only serves hits never loads the writer, the lock, the side
 * index or the pruner. Writes an entry, removes one (a damaged entry too),
 * and holds a key's lock between processes.
 */
import { statSync, unlinkSync } from "node:fs";
import { bucketPath, findRecord, keyDigest, type EntryMetadata } from "./layout.js";
import { NO_LEASE, sleep, tryLock, type Lease } from "./lock.js";
import { crc32 } from "./crc32.js";
import { noteWrite } from "./pruner.js";
import { noteWrite as noteLocalWrite, readBucketText } from "./read.js";
import { logRemovals } from "./side-index.js";
import { writeEntry } from "./write.js";
import { isSystemError } from "@cachephant/core/scan";

/** A lock not refreshed for this long belongs to a dead process. */
export const LOCK_STALE_MS = 10_000;
/** A waiter computes by itself after waiting this long for another process. */
export const LOCK_WAIT_MS = 30_000;
/** A bucket past this size is dropped before its key is written again (rewrites append lines). */
const MAX_BUCKET_BYTES = 4096;

/** Writes an entry atomically; `maxSize`, when known, is the bound a background prune keeps after it. */
export async function putEntry(
  dir: string,
  maxSize: number | undefined,
  key: string,
  bytes: Uint8Array,
  metadata: EntryMetadata,
): Promise<void> {
  dropLongBucket(bucketPath(dir, keyDigest(key)));
  const logBytes = await writeEntry(dir, key, bytes, { ...metadata, crc: crc32(bytes) });
  noteLocalWrite();
  if (maxSize !== undefined) noteWrite(dir, bytes.byteLength, maxSize, logBytes);
}

/** Removes the latest entry of `key` (its index record; content shared with other entries stays). */
export function removeEntry(dir: string, key: string): void {
  const digest = keyDigest(key);
  const text = readBucketText(bucketPath(dir, digest));
  const record = text === undefined ? undefined : findRecord(text, key);
  if (record !== undefined && record.integrity !== null) discard({ dir, digest, time: record.time }, undefined);
}

/** Waits for the lock file at `path` (see `Store.lock`); never rejects. */
export async function lockKey(path: string): Promise<Lease> {
  const started = Date.now();
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    let lease: Lease | undefined;
    try {
      lease = tryLock(path, LOCK_STALE_MS);
    } catch (error) {
      if (!isSystemError(error)) throw error;
      return NO_LEASE; // a store that cannot be written: the write will say so
    }
    if (lease !== undefined) return lease;
    if (Date.now() - started >= LOCK_WAIT_MS) return NO_LEASE;
    await sleep(delay);
  }
}

/**
 * Removes a damaged entry's index record and, when the content itself is
 * damaged, its content file (so that nothing else reads it before the
 * rewrite replaces it), and logs the removal, so that the side index stays
 * exact (the log names the write removed: a newer write of the key stays).
 */
export function discard(entry: { dir: string; digest: string; time: number }, content: string | undefined): void {
  const bucket = bucketPath(entry.dir, entry.digest);
  for (const path of content === undefined ? [bucket] : [bucket, content]) {
    try {
      unlinkSync(path);
    } catch (error) {
      if (!isSystemError(error)) throw error;
      // Gone already, or a store that cannot be written: the rewrite will say so.
    }
  }
  try {
    logRemovals(entry.dir, [entry]);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    // A store that cannot be written, or one without a side index (written by another tool): a prune rebuilds it.
  }
}

/** Keeps a key rewritten many times (ttl, damage) from growing its bucket line by line. */
function dropLongBucket(bucket: string): void {
  try {
    if (statSync(bucket).size > MAX_BUCKET_BYTES) unlinkSync(bucket);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    // No bucket yet.
  }
}
