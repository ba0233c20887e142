/**
 * Walks a whole store: every cachephant entry of the index, and the files of
 * the content and tmp folders. Synchronous file calls in slices of a few
 * milliseconds with a yield between them: several times faster than a
 * thread-pool hop per file, and the event loop of a program that prunes in
 * the background stays responsive. Entries come one at a time, so a caller
 * that does not keep them uses memory that does not grow with the store.
 */
import { readdirSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import {
  CONTENT_DIR,
  contentPath,
  INDEX_DIR,
  isEntryMetadata,
  LOCKS_DIR,
  OWN_DIR,
  parseBucket,
  TMP_DIR,
  type EntryMetadata,
  type IndexRecord,
} from "./layout.js";
import { type FileOps, POOLED_FILE_OPS } from "./file-ops.js";
import { readBucket } from "./read.js";
import { inParallel } from "./parallel.js";
import { hasErrorCode } from "@cachephant/core/scan";

/** One cachephant entry of the index. */
export interface IndexedEntry {
  readonly key: string;
  /** The index record (its integrity and time identify the write). */
  readonly record: IndexRecord;
  /** Absolute path of the entry's bucket file. */
  readonly bucket: string;
  /** Absolute path of the content file. */
  readonly path: string;
  /** Bytes of content. */
  readonly size: number;
  /** When the entry was written (ms since the epoch). */
  readonly time: number;
  /** When the entry was last used: written or read (its bucket's mtime, or its write time if later). */
  readonly usedAt: number;
  readonly metadata: EntryMetadata;
}

const SLICE_MS = 8;

/**
 * Yields to the event loop every few milliseconds of synchronous work.
 * `background`: the yields do not keep the process alive (a program that is
 * done exits at one of them: background maintenance never holds it up).
 */
export class Slicer {
  private sliceStart = performance.now();
  constructor(
    private readonly background = false,
    /** Called before each yield (work to write down while the process may end). */
    private readonly beforeYield: () => void = () => {},
  ) {}
  async tick(): Promise<void> {
    if (performance.now() - this.sliceStart < SLICE_MS) return;
    this.beforeYield();
    // An unref'd immediate would wait for other I/O to wake the loop; an unref'd timer wakes it by itself.
    await new Promise((resolve) => (this.background ? setTimeout(resolve, 0).unref() : setImmediate(resolve)));
    this.sliceStart = performance.now();
  }
}

/**
 * Every cachephant entry in `dir` (entries of other tools and deletions are
 * left out). A missing store yields nothing.
 * @throws when the store cannot be read.
 */
export async function* scanEntries(dir: string, slicer = new Slicer()): AsyncGenerator<IndexedEntry> {
  for (const bucket of walkFiles(join(dir, INDEX_DIR), 3)) {
    await slicer.tick();
    const file = readBucket(bucket);
    if (file === undefined) continue; // removed since the listing
    for (const record of parseBucket(file.text).values()) {
      if (record.integrity === null || !isEntryMetadata(record.metadata)) continue;
      const path = contentPath(dir, record.integrity);
      if (path === undefined) continue;
      yield {
        key: record.key,
        record,
        bucket,
        path,
        size: record.size ?? 0,
        time: record.time,
        usedAt: Math.max(file.mtimeMs, record.time),
        metadata: record.metadata,
      };
    }
  }
}

/** A file of the content or tmp folder. */
export interface StoreFile {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface FileScan {
  /** Which top content folders (`content-v2/<algorithm>/<aa>`) are walked; `"none"`: no content file at all. */
  readonly contentFolders: ((name: string) => boolean) | "none";
  /** Content files not even looked at (those in use). */
  readonly skip?: ReadonlySet<string> | undefined;
  readonly slicer?: Slicer | undefined;
  readonly ops?: FileOps | undefined;
}

/**
 * Content files (of the folders `scan.contentFolders` covers) and leftovers
 * in `tmp/`, with their size and mtime, except the content files
 * `scan.skip` names.
 */
export async function* scanFiles(dir: string, scan: FileScan): AsyncGenerator<StoreFile> {
  const { contentFolders, skip = new Set<string>(), slicer = new Slicer(), ops = POOLED_FILE_OPS } = scan;
  // content-v2/<algorithm>/<aa>/<bb>/<rest>, tmp/<name>
  const roots: [string, number, ((name: string) => boolean) | undefined][] = [[join(dir, TMP_DIR), 1, undefined]];
  if (contentFolders !== "none") roots.unshift([join(dir, CONTENT_DIR), 4, contentFolders]);
  for (const [root, depth, covers] of roots) {
    for await (const paths of listFiles(root, depth, ops, covers)) {
      for (const path of paths) {
        if (skip.has(path)) continue;
        await slicer.tick();
        const file = statOrUndefined(path); // undefined: removed since the listing
        if (file !== undefined) yield file;
      }
      await slicer.tick();
    }
  }
}

/** Folders listed at once by `listFiles`. */
const PARALLEL_LISTINGS = 16;

/**
 * The paths of the files `depth` levels under `root`, a few hundred folders'
 * worth at a time, their listings many at once (each `readdir` of a folder
 * not in memory waits on the disk: a content folder of 100,000 entries holds
 * some 51,000 of them). `covers`: which folders two levels under `root` are
 * listed.
 */
async function* listFiles(
  root: string,
  depth: number,
  ops: FileOps,
  covers: ((name: string) => boolean) | undefined,
): AsyncGenerator<string[]> {
  let folders = [root];
  for (let level = depth; level >= 1; level--) {
    const found: string[] = [];
    const keep = level === depth - 1 ? covers : undefined;
    for (let at = 0; at < folders.length; at += PARALLEL_LISTINGS * 16) {
      const batch = folders.slice(at, at + PARALLEL_LISTINGS * 16);
      const lists = batch.map((): string[] => []);
      await inParallel([...batch.keys()], PARALLEL_LISTINGS, async (i) => {
        const folder = batch[i]!;
        const names = await listFolder(folder, folder === root, ops);
        // Joined by hand: the names are single path segments (path.join would normalize each path again).
        const list: string[] = [];
        for (const name of names) if (keep === undefined || keep(name)) list.push(`${folder}${sep}${name}`);
        lists[i] = list;
      });
      if (level === 1) yield lists.flat();
      else for (const list of lists) found.push(...list);
    }
    folders = found;
  }
}

/** The names in `folder`; none when it is missing, or (below the top) a stray file where a folder belongs. */
async function listFolder(folder: string, top: boolean, ops: FileOps): Promise<string[]> {
  try {
    return await ops.readdir(folder);
  } catch (error) {
    if (hasErrorCode(error, ["ENOENT"]) || (!top && hasErrorCode(error, ["ENOTDIR"]))) return [];
    throw error;
  }
}

/** The lock files of keys being computed, or of processes that died computing them, with their mtime. */
export async function* scanLocks(dir: string, slicer = new Slicer()): AsyncGenerator<StoreFile> {
  for (const path of walkFiles(join(dir, OWN_DIR, LOCKS_DIR), 1)) {
    await slicer.tick();
    const file = statOrUndefined(path); // undefined: released since the listing
    if (file !== undefined) yield file;
  }
}

function statOrUndefined(path: string): StoreFile | undefined {
  try {
    const stats = statSync(path);
    return { path, size: stats.size, mtimeMs: stats.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Paths of the files `depth` levels under `root`, depth first (a missing folder lists nothing). */
function* walkFiles(root: string, depth: number, top = true): Generator<string> {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A stray file where a folder belongs, inside the store, is not an entry.
    if (code === "ENOENT" || (code === "ENOTDIR" && !top)) return;
    throw error;
  }
  for (const name of names) {
    const path = join(root, name);
    if (depth <= 1) yield path;
    else yield* walkFiles(path, depth - 1, false);
  }
}
