/**
 * cacache's on-disk format (index v5, content v2), read without cacache:
 *
 * - the index record of `key` is in `index-v5/<aa>/<bb>/<rest>`, where
 *   `aabbrest` is the hex sha256 of the key; each write appends a line
 *   `<sha1 of json>\t<json>` and the last valid line for the key wins (a line
 *   whose sha1 does not match, e.g. one cut short by a crash, is ignored; a
 *   line with a null integrity deletes the key);
 * - the content of an integrity `<algorithm>-<base64>` is in
 *   `content-v2/<algorithm>/<aa>/<bb>/<rest>` of its hex digest, written to
 *   `tmp/` and renamed into place, never rewritten. The runtime writes
 *   `sha256-…` (`write.ts`); cacache writes `sha512-…`, and either is read.
 *
 * Cachephant's own files (locks, the pruner's stamp) live in `cachephant/`.
 */
import { hash } from "node:crypto";
import { join, sep } from "node:path";
import type { InputRecord } from "../inputs/format.js";
import { parseJsonText } from "@cachephant/core/scan";

export const INDEX_DIR = "index-v5";
export const CONTENT_DIR = "content-v2";
export const TMP_DIR = "tmp";
export const OWN_DIR = "cachephant";
/** In `OWN_DIR`: its mtime is when the store was last pruned. */
export const PRUNE_STAMP = "pruned";
/** In `OWN_DIR`: one lock file per key being computed (see `store.ts`). */
export const LOCKS_DIR = "locks";

/** Per-entry metadata, kept in cacache's index line (readable by `cacache.ls` and the CLI). */
export interface EntryMetadata {
  /** Format of this metadata. */
  readonly v: 1;
  /** `result` for a cached result; `marker` for the per-function note of its latest code hash. */
  readonly kind: "result" | "marker";
  readonly name: string;
  readonly file: string;
  readonly line: number;
  /** Code hash of the function that wrote the entry. */
  readonly hash: string;
  /** When the entry was written (ms since the epoch). */
  readonly created: number;
  /** When the entry stops being served (ms since the epoch), from the directive's `ttl`. */
  readonly expires?: number;
  /**
   * CRC-32 of the content, added by the store when it writes: a hit checks it
   * (and the size) instead of re-hashing the content. Entries
   * without it are checked against their integrity (sha256 or sha512).
   */
  readonly crc?: number;
  /**
   * One short digest per keyed part of the call that wrote a result (argument
   * paths, outside variables, state), so that a later miss can name what
   * differs (`key-change.ts`). Absent in entries written before it existed.
   */
  readonly parts?: Readonly<Record<string, string>>;
  /**
   * The run-time inputs the call read while it computed (`inputs/format.ts`),
   * checked on each hit; absent when it read none (or in entries written
   * before inputs were recorded): such a hit checks nothing.
   */
  readonly inputs?: readonly InputRecord[];
  /** What computing the result took (ms, to 0.1): a hit saves that minus its own time. Absent in older entries. */
  readonly ms?: number;
}

export function isEntryMetadata(value: unknown): value is EntryMetadata {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    m.v === 1 &&
    (m.kind === "result" || m.kind === "marker") &&
    typeof m.name === "string" &&
    typeof m.file === "string" &&
    typeof m.hash === "string" &&
    typeof m.created === "number" &&
    (m.crc === undefined || typeof m.crc === "number") &&
    (m.inputs === undefined || Array.isArray(m.inputs))
  );
}

/** One index line as cacache writes it. */
export interface IndexRecord {
  readonly key: string;
  /** Subresource integrity of the content (`sha256-…`, or `sha512-…` as cacache writes); null marks a deletion. */
  readonly integrity: string | null;
  /** When the line was written (ms since the epoch). */
  readonly time: number;
  readonly size?: number;
  readonly metadata?: unknown;
}

/** Hex sha256 of a key: names its index bucket (and its lock). */
export function keyDigest(key: string): string {
  return hash("sha256", key, "hex");
}

export function bucketPath(dir: string, digest: string): string {
  return `${storeFolder(dir, INDEX_DIR)}${sep}${digest.slice(0, 2)}${sep}${digest.slice(2, 4)}${sep}${digest.slice(4)}`;
}

/** The last store's folders: a process mostly uses one store, so this is `join`ed once. */
const lastFolders: Record<string, { dir: string; path: string } | undefined> = {};

/**
 * `join(dir, folder)`, made once per store: the paths below it are built by
 * concatenating hex names, which need no normalizing (`join` of six parts
 * costs a few microseconds, and a hit builds two paths, a prune one per entry).
 */
function storeFolder(dir: string, folder: typeof INDEX_DIR | typeof CONTENT_DIR): string {
  const last = lastFolders[folder];
  if (last !== undefined && last.dir === dir) return last.path;
  const path = join(dir, folder);
  lastFolders[folder] = { dir, path };
  return path;
}

/** One hash, as the runtime writes integrities: `<algorithm>-<base64>`. */
const SINGLE_HASH = /^([a-z0-9]+)-([A-Za-z0-9+/]+={0,2})$/;

/** Absolute content file of an integrity string, or undefined when it is not one. */
export function contentPath(dir: string, integrity: string): string | undefined {
  const single = SINGLE_HASH.exec(integrity);
  let algorithm: string;
  let base64: string;
  if (single !== null) {
    algorithm = single[1]!;
    base64 = single[2]!;
  } else {
    // cacache stores content under the strongest algorithm of the integrity: sha512 when there, else the first.
    const hashes = integrity.trim().split(/\s+/);
    const chosen = hashes.find((h) => h.startsWith("sha512-")) ?? hashes[0];
    const dash = chosen?.indexOf("-") ?? -1;
    if (chosen === undefined || dash <= 0) return undefined;
    algorithm = chosen.slice(0, dash);
    base64 = chosen.slice(dash + 1).replace(/\?.*$/, "");
    if (!/^[a-z0-9]+$/.test(algorithm)) return undefined;
  }
  const hex = Buffer.from(base64, "base64").toString("hex");
  if (hex.length < 8) return undefined;
  return `${storeFolder(dir, CONTENT_DIR)}${sep}${algorithm}${sep}${hex.slice(0, 2)}${sep}${hex.slice(2, 4)}${sep}${hex.slice(4)}`;
}

/**
 * The latest record of each key in a bucket's text, in the order of their
 * last lines. Deletions are kept (integrity null) so a caller can tell
 * "deleted" from "never written".
 */
export function parseBucket(text: string): Map<string, IndexRecord> {
  const records = new Map<string, IndexRecord>();
  for (const line of text.split("\n")) {
    const record = parseLine(line);
    if (record === undefined) continue;
    records.delete(record.key);
    records.set(record.key, record);
  }
  return records;
}

/** The latest record of `key` in a bucket's text (reads from the end: the newest line is usually the last). */
export function findRecord(text: string, key: string): IndexRecord | undefined {
  let end = text.length;
  while (end > 0) {
    const start = text.lastIndexOf("\n", end - 1) + 1;
    const record = parseLine(text.slice(start, end));
    if (record !== undefined && record.key === key) return record;
    end = start - 1;
  }
  return undefined;
}

/** Number of lines in a bucket's text (a rewrite appends one). */
export function lineCount(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) count += 1;
  return count;
}

function parseLine(line: string): IndexRecord | undefined {
  const tab = line.indexOf("\t");
  if (tab <= 0) return undefined;
  const json = line.slice(tab + 1);
  if (hash("sha1", json, "hex") !== line.slice(0, tab)) return undefined;
  const parsed = parseJsonText(json);
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const record = parsed as Partial<IndexRecord>;
  if (typeof record.key !== "string") return undefined;
  if (record.integrity !== null && typeof record.integrity !== "string") return undefined;
  return record as IndexRecord;
}
