/**
 * Removing an entry's files beside processes that write and read them. A
 * check of a file's mtime followed by an unlink would lose a write landing
 * between the two, so a file is first moved aside (`rename`: it takes one
 * file, atomically), then looked at: when it was written or used after the
 * bound given, it is put back (`link`; a file made at its path meanwhile is
 * newer still, and stays). A writer that appended to a file moved aside and
 * not put back writes again (`append.ts`); a reader that opened it reads it
 * whole; a reader that finds neither sees a plain miss.
 *
 * Content files are shared by every entry of the same bytes, and a writer of
 * those bytes may be indexing them right now: they are moved aside, then the
 * log is read for writes of them since the remover looked (a writer logs
 * before its index line), and those are put back; a writer that finds its
 * content gone after its index line writes it again (`write.ts`).
 *
 * The file operations run many at once (`inParallel`): an `unlink` that
 * frees a block waits on the file system's journal (a millisecond or more on
 * a busy disk), and waits overlap where they would add up one after the
 * other. A prune the user runs makes them synchronously while the file
 * system answers from memory (`file-ops.ts`).
 */
import { linkSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import { forgetDir, makeOwnerDir } from "../files/index.js";
import { type FileOps, POOLED_FILE_OPS } from "./file-ops.js";
import { contentPath, TMP_DIR } from "./layout.js";
import { inParallel, PARALLEL_REMOVALS } from "./parallel.js";
import type { WritesSince } from "./side-index.js";
import { hasErrorCode } from "@cachephant/core/scan";

let movedCount = 0;

/** A free name in `tmp/` for a file moved aside. */
function asidePath(dir: string): string {
  return join(dir, TMP_DIR, `removed-${process.pid}-${threadId}-${++movedCount}`);
}

export type Removal =
  /** Removed. */
  | { readonly status: "removed" }
  /** Not there (removed by someone else). */
  | { readonly status: "gone" }
  /** Changed: put back. `mtimeMs` is its mtime. */
  | { readonly status: "kept"; readonly mtimeMs: number };

/** Removes the file at `path` unless `changed` says its mtime (ms since the epoch) is that of a later write or use. */
export async function removeUnlessChanged(
  dir: string,
  path: string,
  changed: (mtimeMs: number) => boolean,
  ops: FileOps = POOLED_FILE_OPS,
): Promise<Removal> {
  const aside = asidePath(dir);
  if (!(await moveAside(dir, path, aside, ops))) return { status: "gone" };
  const { mtimeMs } = await ops.stat(aside);
  if (changed(mtimeMs)) {
    putBack(aside, path);
    return { status: "kept", mtimeMs };
  }
  await ops.unlink(aside);
  return { status: "removed" };
}

/** Moves `path` to `aside` (in `tmp/`, made when missing); false when `path` is gone. */
async function moveAside(dir: string, path: string, aside: string, ops: FileOps, attempt = 0): Promise<boolean> {
  try {
    await ops.rename(path, aside);
    return true;
  } catch (error) {
    if (!hasErrorCode(error, ["ENOENT"])) throw error;
    // Either the file is gone, or `tmp/` is (made by another removal of the batch meanwhile, or not yet).
    if (!(await exists(path, ops))) return false;
    if (attempt >= 2) throw error;
  }
  forgetDir(join(dir, TMP_DIR));
  makeOwnerDir(join(dir, TMP_DIR));
  return moveAside(dir, path, aside, ops, attempt + 1);
}

/** Puts a file moved aside back; a file made at its path meanwhile holds a newer write, and stays. */
function putBack(aside: string, path: string): void {
  try {
    linkSync(aside, path);
  } catch (error) {
    if (!hasErrorCode(error, ["EEXIST"])) throw error;
  }
  unlinkSync(aside);
}

async function exists(path: string, ops: FileOps): Promise<boolean> {
  try {
    await ops.stat(path);
    return true;
  } catch (error) {
    if (hasErrorCode(error, ["ENOENT"])) return false;
    throw error;
  }
}

/** Content files moved aside at once before the log is read (so that `tmp/` stays a small folder). */
const CONTENT_BATCH = 256;

/**
 * Removes the content files of `integrities`, except those written again
 * since `writes` began (the log read after each batch is moved aside).
 * Returns the integrities whose content it removed.
 */
export async function removeContents(
  dir: string,
  integrities: Iterable<string>,
  writes: WritesSince,
  parallel = PARALLEL_REMOVALS,
  ops: FileOps = POOLED_FILE_OPS,
): Promise<Set<string>> {
  const removed = new Set<string>();
  let batch: { integrity: string; path: string }[] = [];
  const settle = async () => {
    const moved: { integrity: string; path: string; aside: string }[] = [];
    await inParallel(batch, parallel, async (file) => {
      const aside = asidePath(dir);
      if (await moveAside(dir, file.path, aside, ops)) moved.push({ ...file, aside });
    });
    const rewritten = writes.read();
    await inParallel(moved, parallel, async (file) => {
      if (rewritten.has(file.integrity)) return putBack(file.aside, file.path);
      await ops.unlink(file.aside);
      removed.add(file.integrity);
    });
    batch = [];
  };
  for (const integrity of integrities) {
    const path = contentPath(dir, integrity);
    if (path === undefined) continue;
    batch.push({ integrity, path });
    if (batch.length >= CONTENT_BATCH) await settle();
  }
  await settle();
  return removed;
}
