/**
 * Reading entries straight from cacache's layout (see `layout.ts`):
 * no cacache import, no thread-pool hops for small entries, and a CRC-32 +
 * size check instead of a cryptographic hash of the whole content. Shared by the hit
 * path (`store.ts`) and `verify` (`maintenance.ts`).
 */
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, utimesSync } from "node:fs";
import { crc32 } from "./crc32.js";
import { findRecord, type EntryMetadata, type IndexRecord } from "./layout.js";
import { isSystemError } from "@cachephant/core/scan";

/** Content up to this size is read synchronously (a few hundred µs at most); larger content in one async read. */
export const SYNC_READ_LIMIT = 1 << 20;

/** What a bucket file holds, with its mtime: the entry's last use. */
export interface BucketFile {
  readonly text: string;
  readonly mtimeMs: number;
}

/**
 * Reads a bucket file synchronously, with its mtime. Undefined when there is none.
 * @throws when the store cannot be read (ENOTDIR, EACCES, EISDIR…)
 */
export function readBucket(path: string): BucketFile | undefined {
  const fd = openOrUndefined(path);
  if (fd === undefined) return undefined;
  try {
    const stats = fstatSync(fd);
    return { text: readAll(fd, stats.size + 1).toString("utf8"), mtimeMs: stats.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

// Buckets hold a line or a few (a long one is dropped before its key is written again).
const bucketBuffer = Buffer.allocUnsafe(16 * 1024);

/** A bucket's text for a hit: open, read, close (its mtime is not needed there). */
export function readBucketText(path: string): string | undefined {
  const fd = openOrUndefined(path);
  if (fd === undefined) return undefined;
  try {
    const n = readSync(fd, bucketBuffer, 0, bucketBuffer.length, 0);
    if (n < bucketBuffer.length) return bucketBuffer.toString("utf8", 0, n);
    return readAll(fd, fstatSync(fd).size + 1).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function openOrUndefined(path: string): number | undefined {
  try {
    return openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Reads from the start until the end of the file, with a first buffer of `guess` bytes. */
function readAll(fd: number, guess: number): Buffer {
  let buffer = Buffer.allocUnsafe(Math.max(guess, 1));
  let read = 0;
  for (;;) {
    const n = readSync(fd, buffer, read, buffer.length - read, read);
    if (n === 0) return buffer.subarray(0, read);
    read += n;
    if (read === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)]);
  }
}

/** The same record (same write) is still the key's latest in its bucket. */
export function stillIndexed(bucket: string, record: IndexRecord): boolean {
  let file: BucketFile | undefined;
  try {
    file = readBucket(bucket);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return false;
  }
  const now = file === undefined ? undefined : findRecord(file.text, record.key);
  return now !== undefined && now.integrity === record.integrity && now.time === record.time;
}

/** A content file whose size is not the one indexed (truncated, or damaged). */
export class ContentSizeError extends Error {
  readonly code = "EBADSIZE";
}

/**
 * The bytes of a content file, synchronously when small. `size` is the
 * indexed size (undefined for records without one: the file's size is taken).
 * @throws ENOENT when the file is gone, ContentSizeError on a size mismatch.
 */
export function readContent(path: string, size: number | undefined): Buffer | Promise<Buffer> {
  if (size !== undefined && size > SYNC_READ_LIMIT) return readContentAsync(path, size);
  const fd = openSync(path, "r");
  try {
    if (size === undefined) return readAll(fd, fstatSync(fd).size + 1);
    // One byte more than written: a short read means the end of the file, so open, read, close
    // tell a file of the right size from a shorter or longer one without an fstat.
    const bytes = Buffer.allocUnsafe(size + 1);
    let read = 0;
    for (;;) {
      const wanted = size + 1 - read;
      const n = readSync(fd, bytes, read, wanted, read);
      read += n;
      if (n === 0 || read > size || (read === size && n < wanted)) break;
    }
    if (read !== size) throw new ContentSizeError(`${read > size ? "more" : read} bytes where ${size} were written`);
    return bytes.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}

/** One buffer of the indexed size, filled in large reads (no chunk list to concatenate: peak memory is the result's size). */
async function readContentAsync(path: string, size: number): Promise<Buffer> {
  // Loaded here: a hit of small content never loads fs/promises (and the streams it brings).
  const handle = await process.getBuiltinModule("node:fs/promises").open(path, "r");
  try {
    const actual = (await handle.stat()).size;
    if (actual !== size) throw new ContentSizeError(`${actual} bytes where ${size} were written`);
    const bytes = Buffer.allocUnsafeSlow(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(bytes, read, Math.min(size - read, 64 << 20), read);
      if (bytesRead === 0) throw new ContentSizeError("the file shrank while it was read");
      read += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/**
 * Whether `bytes` are what was written: the CRC-32 the store recorded, or,
 * for entries written without one, the integrity, sha256 or sha512 (what `cacache.get`
 * checks).
 */
export function contentMatches(bytes: Uint8Array, record: IndexRecord, metadata: EntryMetadata, full = false): boolean {
  if (metadata.crc !== undefined && crc32(bytes) !== metadata.crc) return false;
  if (metadata.crc !== undefined && !full) return true;
  return integrityMatches(bytes, record.integrity ?? "");
}

function integrityMatches(bytes: Uint8Array, integrity: string): boolean {
  for (const token of integrity.trim().split(/\s+/)) {
    const dash = token.indexOf("-");
    const algorithm = token.slice(0, dash);
    if (algorithm !== "sha512" && algorithm !== "sha384" && algorithm !== "sha256" && algorithm !== "sha1") continue;
    const expected = token.slice(dash + 1).replace(/\?.*$/, "");
    return createHash(algorithm).update(bytes).digest("base64") === expected;
  }
  return false;
}

// Per bucket: when this process last recorded a use, and how many writes it had made by then.
const touched = new Map<string, { readonly at: number; readonly writes: number }>();
const TOUCH_EVERY_MS = 1000;
let writes = 0;

/** Called after each write: entries written since a use was recorded are newer, so the next hit records again. */
export function noteWrite(): void {
  writes += 1;
}

/**
 * Records a use of the entry in `bucket`: its mtime is the entry's last use
 * (an explicit utimes, so `relatime` and `noatime` do not matter, and the
 * bucket does not grow). A hot loop of hits touches the disk at most once a
 * second per entry, unless this process wrote meanwhile (the order of uses
 * and writes then matters). Never throws: a read-only store only loses the
 * recency.
 */
export function recordUse(bucket: string): void {
  const now = Date.now();
  const last = touched.get(bucket);
  if (last !== undefined && last.writes === writes && now - last.at < TOUCH_EVERY_MS && now >= last.at) return;
  if (touched.size >= 10_000) touched.clear();
  touched.set(bucket, { at: now, writes });
  try {
    utimesSync(bucket, now / 1000, now / 1000);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    // Read-only or gone: the entry keeps its older time.
  }
}
