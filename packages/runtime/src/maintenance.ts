/**
 * Whole-store operations behind `list`, `clear`, `prune` and `verify`: they
 * read cacache's index once and work on that snapshot. Never on a call's
 * path. (The other module that touches disk is `store.ts`.)
 */
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { loadCacache, removeIndexEntry } from "./cacache.js";
import { decodeResult } from "./codec.js";
import { isEntryMetadata, type EntryMetadata } from "./store.js";

/** One cachephant entry of the index. */
export interface IndexedEntry {
  readonly key: string;
  readonly integrity: string;
  /** Absolute path of the content file. */
  readonly path: string;
  readonly size: number;
  /** When cacache indexed it (ms since the epoch). */
  readonly time: number;
  readonly metadata: EntryMetadata;
}

/** All cachephant entries in `dir` (entries written by other tools are left out). */
export async function readIndex(dir: string): Promise<IndexedEntry[]> {
  const cacache = await loadCacache();
  const all = await cacache.ls(dir);
  const entries: IndexedEntry[] = [];
  for (const entry of Object.values(all)) {
    if (!isEntryMetadata(entry.metadata)) continue;
    entries.push({
      key: entry.key,
      integrity: entry.integrity,
      path: entry.path,
      size: entry.size ?? 0,
      time: entry.time,
      metadata: entry.metadata,
    });
  }
  return entries;
}

/**
 * Removes `doomed` entries and their content files, except content that an
 * entry in `kept` still uses (equal results of different calls share one
 * file). Returns the bytes of content removed.
 */
export async function removeEntries(
  dir: string,
  doomed: readonly IndexedEntry[],
  kept: readonly IndexedEntry[],
): Promise<number> {
  const cacache = await loadCacache();
  const stillUsed = new Set(kept.map((entry) => entry.path));
  const contentToRemove = new Map<string, IndexedEntry>();
  for (const entry of doomed) if (!stillUsed.has(entry.path)) contentToRemove.set(entry.path, entry);
  await forEachLimited(doomed, (entry) => removeIndexEntry(cacache, dir, entry.key));
  let freed = 0;
  await forEachLimited([...contentToRemove.values()], async (entry) => {
    if (await cacache.rm.content(dir, entry.integrity)) freed += entry.size;
  });
  return freed;
}

/** Bytes of content that `entries` use, each content file counted once. */
export function contentBytes(entries: readonly IndexedEntry[]): number {
  const sizes = new Map<string, number>();
  for (const entry of entries) sizes.set(entry.path, entry.size);
  let total = 0;
  for (const size of sizes.values()) total += size;
  return total;
}

export interface StrayFile {
  readonly path: string;
  readonly size: number;
}

/**
 * Content files no entry uses and leftovers in `tmp/`, older than `minAgeMs`
 * (a writer puts content in place a moment before its index line, so young
 * files are left alone).
 */
export async function findStrayFiles(
  dir: string,
  live: readonly IndexedEntry[],
  minAgeMs: number,
): Promise<StrayFile[]> {
  const used = new Set(live.map((entry) => entry.path));
  const cutoff = Date.now() - minAgeMs;
  const stray: StrayFile[] = [];
  const candidates = [...(await listFiles(contentDir(dir))), ...(await listFiles(join(dir, "tmp")))];
  await forEachLimited(candidates, async (path) => {
    if (used.has(path)) return;
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && info.mtimeMs < cutoff) stray.push({ path, size: info.size });
  });
  return stray;
}

export async function removeFiles(files: readonly StrayFile[]): Promise<void> {
  await forEachLimited(files, (file) => rm(file.path, { force: true, recursive: true }));
}

/** Removes everything cacache keeps in `dir` (index, content, tmp). */
export async function removeAll(dir: string): Promise<void> {
  const cacache = await loadCacache();
  await cacache.rm.all(dir);
  await rm(join(dir, "tmp"), { recursive: true, force: true });
}

/** Why an entry cannot be served, or undefined when it reads and decodes. */
export async function checkEntry(dir: string, entry: IndexedEntry): Promise<string | undefined> {
  const cacache = await loadCacache();
  let bytes: Buffer;
  try {
    bytes = await cacache.get.byDigest(dir, entry.integrity, { size: entry.size });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "content file missing";
    if (code === "EINTEGRITY") return "content failed the integrity check";
    if (code === "EBADSIZE") return "content has the wrong size";
    throw error;
  }
  if (entry.metadata.kind !== "result") return undefined;
  try {
    decodeResult(bytes);
    return undefined;
  } catch (error) {
    return `content could not be decoded (${(error as Error).message})`;
  }
}

/** Removes a damaged entry and its content file, whoever else uses that file (it is damaged for them too). */
export async function removeDamaged(dir: string, entry: IndexedEntry): Promise<void> {
  const cacache = await loadCacache();
  await removeIndexEntry(cacache, dir, entry.key);
  await rm(entry.path, { force: true });
}

function contentDir(dir: string): string {
  // cacache's content format version ("content-v2"), as in its package.json.
  return join(dir, "content-v2");
}

async function listFiles(root: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else files.push(path);
  }
  return files;
}

/** Runs `task` over `items`, a few at a time (file operations; unbounded would exhaust descriptors). */
async function forEachLimited<T>(items: readonly T[], task: (item: T) => Promise<unknown>, limit = 16): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
