/**
 * Writing one entry in cacache's layout (see `layout.ts`), without
 * cacache: the content to `tmp/` then renamed into `content-v2/`, then one
 * index line appended to the key's bucket. The same files and lines as
 * `cacache.put` (`cacache.get` and `cacache.ls` read them), and its crash
 * safety: a content file appears whole or not at all, and a line cut short
 * fails its sha1 and is ignored. Owner-only modes (`files/owner-only.ts`) and
 * transient faults waited out (`file-faults.ts`) come with it.
 *
 * Small entries are written with synchronous calls (a few tens of µs where
 * each thread-pool hop costs more); large content in one asynchronous write.
 */
import { createHash, hash, randomBytes } from "node:crypto";
import { existsSync, fchmodSync, renameSync, unlinkSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { threadId } from "node:worker_threads";
import { appendSafely } from "./append.js";
import { inFileSlot } from "./file-faults.js";
import { FILE_MODE, forgetDir, makeOwnerDir, tightenStore, writeOwnerFile } from "../files/index.js";
import { bucketPath, contentPath, keyDigest, TMP_DIR, type EntryMetadata } from "./layout.js";
import { logWrite } from "./side-index.js";
import { isSystemError } from "@cachephant/core/scan";

/** Content up to this size is written synchronously. */
const SYNC_WRITE_LIMIT = 1 << 20;

let written = 0;
const tmpPrefix = `${process.pid}-${threadId}-${randomBytes(4).toString("hex")}`;

/** What a write was: the entry's place in the store, for the side index's log. */
interface Written {
  readonly digest: string;
  readonly integrity: string;
  readonly time: number;
  readonly metadata: EntryMetadata;
}

/**
 * Writes the entry of `key` in the store at `dir`. Waits out transient
 * faults (EMFILE, ENFILE, EAGAIN). Returns the size of the side index's log
 * after it (the pruner's cue).
 * @throws when the store cannot be written (read-only, full, no permission).
 */
export async function writeEntry(
  dir: string,
  key: string,
  bytes: Uint8Array,
  metadata: EntryMetadata,
): Promise<number> {
  // sha256, not cacache's default sha512: as valid an integrity for cacache, and about 1.7x faster where the CPU has
  // SHA extensions (most x86 and ARM servers), which a large miss feels.
  const integrity = `sha256-${createHash("sha256").update(bytes).digest("base64")}`;
  const content = contentPath(dir, integrity)!;
  const digest = keyDigest(key);
  const bucket = bucketPath(dir, digest);
  const time = Date.now();
  const json = JSON.stringify({ key, integrity, time, size: bytes.byteLength, metadata });
  const line = Buffer.from(`\n${hash("sha1", json, "hex")}\t${json}`);
  const entry = { digest, integrity, time, metadata };
  return inFileSlot(async () => {
    try {
      return await writeFiles(dir, bytes, content, bucket, line, entry);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      // A folder went since this process made it (a clear, `rm -rf` of the store): make it again, once.
      forgetDir(dir);
      return await writeFiles(dir, bytes, content, bucket, line, entry);
    }
  });
}

async function writeFiles(
  dir: string,
  bytes: Uint8Array,
  content: string,
  bucket: string,
  line: Uint8Array,
  entry: Written,
): Promise<number> {
  makeOwnerDir(dir);
  tightenStore(dir);
  makeOwnerDir(join(dir, TMP_DIR));
  makeOwnerDir(dirname(content));
  await writeContent(dir, bytes, content);
  // Logged before the index line: a crash between the two leaves an entry the side index names and the layout lacks
  // (a prune drops it when met), never one the layout has and the index does not know.
  const logBytes = logWrite(dir, entry.digest, entry.integrity, bytes.byteLength, entry.time, entry.metadata);
  makeOwnerDir(dirname(bucket));
  appendSafely(bucket, line, (fd) => fchmodSync(fd, FILE_MODE));
  // A prune that removed the same bytes of another entry as this one was written: write them again (see `removal.ts`).
  if (!existsSync(content)) await writeContent(dir, bytes, content);
  return logBytes;
}

/** Writes content to `tmp/` and renames it into place. */
async function writeContent(dir: string, bytes: Uint8Array, content: string): Promise<void> {
  const tmp = join(dir, TMP_DIR, `${tmpPrefix}-${++written}`);
  if (bytes.byteLength > SYNC_WRITE_LIMIT) return writeLarge(tmp, bytes, content);
  try {
    writeOwnerFile(tmp, bytes, "wx");
    // Content is named by its hash: a file already there holds the same bytes, and renaming over it is atomic.
    renameSync(tmp, content);
  } catch (error) {
    removeQuietly(tmp);
    throw error;
  }
}

async function writeLarge(tmp: string, bytes: Uint8Array, content: string): Promise<void> {
  try {
    const handle = await open(tmp, "wx", FILE_MODE);
    try {
      await handle.chmod(FILE_MODE);
      let done = 0;
      while (done < bytes.byteLength)
        done += (await handle.write(bytes, done, Math.min(bytes.byteLength - done, 64 << 20))).bytesWritten;
    } finally {
      await handle.close();
    }
    await rename(tmp, content);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    // Never made, or gone already.
  }
}
