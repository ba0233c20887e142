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
 */
import { linkSync, renameSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import { makeOwnerDir } from "../files/index.js";
import { contentPath, TMP_DIR } from "./layout.js";
import { writtenSince, type LoadedIndex } from "./side-index.js";

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
export function removeUnlessChanged(dir: string, path: string, changed: (mtimeMs: number) => boolean): Removal {
  const aside = asidePath(dir);
  if (!moveAside(dir, path, aside)) return { status: "gone" };
  const mtimeMs = statSync(aside).mtimeMs;
  if (changed(mtimeMs)) {
    putBack(aside, path);
    return { status: "kept", mtimeMs };
  }
  unlinkSync(aside);
  return { status: "removed" };
}

/** Moves `path` to `aside` (in `tmp/`, made when missing); false when `path` is gone. */
function moveAside(dir: string, path: string, aside: string): boolean {
  try {
    renameSync(path, aside);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    if (!folderMissing(join(dir, TMP_DIR))) return false;
  }
  makeOwnerDir(join(dir, TMP_DIR));
  return moveAside(dir, path, aside);
}

/** Puts a file moved aside back; a file made at its path meanwhile holds a newer write, and stays. */
function putBack(aside: string, path: string): void {
  try {
    linkSync(aside, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  unlinkSync(aside);
}

function folderMissing(folder: string): boolean {
  try {
    statSync(folder);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
}

/** Content files moved aside at once before the log is read (so that `tmp/` stays a small folder). */
const CONTENT_BATCH = 256;

/**
 * Removes the content files of `integrities`, except those written again
 * since the log stood at `since`. Returns how many it removed.
 */
export function removeContents(dir: string, integrities: Iterable<string>, since: LoadedIndex["log"]): number {
  let removed = 0;
  let batch: { integrity: string; path: string; moved: string }[] = [];
  const settle = () => {
    const rewritten = writtenSince(dir, since);
    for (const file of batch) {
      if (rewritten.has(file.integrity)) putBack(file.moved, file.path);
      else {
        unlinkSync(file.moved);
        removed += 1;
      }
    }
    batch = [];
  };
  for (const integrity of integrities) {
    const path = contentPath(dir, integrity);
    if (path === undefined) continue;
    const moved = asidePath(dir);
    if (moveAside(dir, path, moved)) batch.push({ integrity, path, moved });
    if (batch.length >= CONTENT_BATCH) settle();
  }
  settle();
  return removed;
}
