/**
 * Writing one entry in cacache's layout (see `layout.ts`), without
 * cacache: the content to `tmp/` then renamed into `content-v2/`, then one
 * index line appended to the key's bucket. The same files and lines as
 * `cacache.put` (`cacache.get` and `cacache.ls` read them), and its crash
 * safety: a content file appears whole or not at all, and a line cut short
 * fails its sha1 and is ignored. Owner-only modes (`owner-only.ts`) and
 * transient faults waited out (`file-faults.ts`) come with it.
 *
 * Small entries are written with synchronous calls (a few tens of µs where
 * each thread-pool hop costs more); large content in one asynchronous write.
 */
import { createHash, hash, randomBytes } from "node:crypto";
import { renameSync, unlinkSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { threadId } from "node:worker_threads";
import { inFileSlot } from "./file-faults.js";
import { FILE_MODE, forgetDir, makeOwnerDir, tightenStore, writeOwnerFile } from "./owner-only.js";
import { bucketPath, contentPath, keyDigest, TMP_DIR, type EntryMetadata } from "./layout.js";

/** Content up to this size is written synchronously. */
const SYNC_WRITE_LIMIT = 1 << 20;

let written = 0;
const tmpPrefix = `${process.pid}-${threadId}-${randomBytes(4).toString("hex")}`;

/**
 * Writes the entry of `key` in the store at `dir`. Waits out transient
 * faults (EMFILE, ENFILE, EAGAIN).
 * @throws when the store cannot be written (read-only, full, no permission).
 */
export async function writeEntry(dir: string, key: string, bytes: Uint8Array, metadata: EntryMetadata): Promise<void> {
  const integrity = `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
  const content = contentPath(dir, integrity)!;
  const bucket = bucketPath(dir, keyDigest(key));
  const json = JSON.stringify({ key, integrity, time: Date.now(), size: bytes.byteLength, metadata });
  const line = Buffer.from(`\n${hash("sha1", json, "hex")}\t${json}`);
  await inFileSlot(async () => {
    try {
      await writeFiles(dir, bytes, content, bucket, line);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      // A folder went since this process made it (a clear, `rm -rf` of the store): make it again, once.
      forgetDir(dir);
      await writeFiles(dir, bytes, content, bucket, line);
    }
  });
}

async function writeFiles(dir: string, bytes: Uint8Array, content: string, bucket: string, line: Uint8Array): Promise<void> {
  makeOwnerDir(dir);
  tightenStore(dir);
  const tmp = join(dir, TMP_DIR, `${tmpPrefix}-${++written}`);
  makeOwnerDir(dirname(tmp));
  makeOwnerDir(dirname(content));
  if (bytes.byteLength <= SYNC_WRITE_LIMIT) {
    try {
      writeOwnerFile(tmp, bytes, "wx");
      // Content is named by its hash: a file already there holds the same bytes, and renaming over it is atomic.
      renameSync(tmp, content);
    } catch (error) {
      removeQuietly(tmp);
      throw error;
    }
  } else {
    await writeLarge(tmp, bytes, content);
  }
  makeOwnerDir(dirname(bucket));
  writeOwnerFile(bucket, line, "a");
}

async function writeLarge(tmp: string, bytes: Uint8Array, content: string): Promise<void> {
  try {
    const handle = await open(tmp, "wx", FILE_MODE);
    try {
      await handle.chmod(FILE_MODE);
      let done = 0;
      while (done < bytes.byteLength) done += (await handle.write(bytes, done, Math.min(bytes.byteLength - done, 64 << 20))).bytesWritten;
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
  } catch {
    // Never made, or gone already.
  }
}
