/**
 * The store as calls see it (`Store`): get, put, remove one entry by key, and
 * a lock between processes computing the same key. `call/` talks to
 * nothing else; a second tier can wrap a `Store` in another.
 *
 * The store keeps cacache's format (readable by `cacache.get` and
 * `cacache.ls`) and its crash safety, without loading cacache: content is
 * written to `tmp/` and renamed into place, and each index line carries a
 * checksum of itself, so a write cut short leaves no entry or an ignored line
 * (`write.ts`); `read.ts` reads the layout directly. Files are
 * the owner's only (`files/owner-only.ts`), and transient faults such as `EMFILE`
 * are waited out (`file-faults.ts`).
 */
import { join } from "node:path";
import { inFileSlot, isTransient } from "./file-faults.js";
import {
  bucketPath,
  contentPath,
  findRecord,
  isEntryMetadata,
  keyDigest,
  LOCKS_DIR,
  OWN_DIR,
  type EntryMetadata,
} from "./layout.js";
import type { Lease } from "./lock.js";
import { contentMatches, readBucketText, readContent, recordUse, stillIndexed } from "./read.js";

export { isEntryMetadata, type EntryMetadata } from "./layout.js";
export type { Lease } from "./lock.js";

export type StoreRead =
  | {
      readonly status: "found";
      readonly bytes: Buffer;
      readonly metadata: EntryMetadata;
      /** Where the entry came from, for debug lines: this machine's store (absent), the remote tier, or this process's memory. */
      readonly from?: "remote" | "memory";
    }
  | {
      readonly status: "missing";
      /** `evicted`: the entry was there but went while it was read (a prune or clear in another process). */
      readonly reason?: "evicted";
    }
  | {
      /** The entry existed but its content is damaged or gone; the store has already removed it. */
      readonly status: "corrupt";
      readonly reason: string;
    };

/** One tier of storage for cached results. */
export interface Store {
  /** Absolute directory of the store. */
  readonly dir: string;
  /**
   * Reads an entry and records the use (LRU). Never returns bytes other than
   * those written. Throws only when the store itself cannot be read
   * (permissions, not a folder).
   */
  get(key: string): Promise<StoreRead>;
  /** Writes an entry atomically; throws when the store cannot be written. */
  put(key: string, bytes: Uint8Array, metadata: EntryMetadata): Promise<void>;
  /** Removes an entry and its index record (content shared with other entries stays). */
  remove(key: string): Promise<void>;
  /**
   * Waits while another process computes `key`, then holds the key for this
   * one: the caller reads again (the other process may have written it),
   * computes and writes on a miss, and releases. Resolves with a lease that
   * holds nothing when locking is impossible (read-only store) or the wait
   * passed its bound: the caller then computes anyway. Never rejects.
   */
  lock(key: string): Promise<Lease>;
}

let writesModule: Promise<typeof import("./store-writes.js")> | undefined;
/** The store's writes, removals and locks, loaded once (a module promise awaited again costs next to nothing). */
const writes = () => (writesModule ??= import("./store-writes.js"));

const MISSING: StoreRead = { status: "missing" };
const EVICTED: StoreRead = { status: "missing", reason: "evicted" };

const stores = new Map<string, DiskStore>();

/**
 * The store in `dir` (one instance per directory and process). `maxSize`,
 * when given, is the bound it keeps by pruning after writes.
 */
export function storeAt(dir: string, maxSize?: number): Store {
  let store = stores.get(dir);
  if (store === undefined) {
    store = new DiskStore(dir);
    stores.set(dir, store);
  }
  if (maxSize !== undefined) store.maxSize = maxSize;
  return store;
}

class DiskStore implements Store {
  maxSize: number | undefined;
  constructor(readonly dir: string) {}

  get(key: string): Promise<StoreRead> {
    return this.read(key, true);
  }

  /** One read (one async step, as a hit's path must stay); with `retry`, a transient fault waits for a file slot and reads again. */
  private async read(key: string, retry: boolean): Promise<StoreRead> {
    try {
      const digest = keyDigest(key);
      const bucket = bucketPath(this.dir, digest);
      const text = readBucketText(bucket);
      if (text === undefined) return MISSING;
      const record = findRecord(text, key);
      if (record === undefined || record.integrity === null) return MISSING;
      const metadata = record.metadata;
      const content = contentPath(this.dir, record.integrity);
      const entry = { dir: this.dir, digest, time: record.time };
      if (!isEntryMetadata(metadata) || content === undefined) {
        await discard(entry, undefined);
        return { status: "corrupt", reason: "its index record has no cachephant metadata" };
      }
      let bytes: Buffer;
      try {
        bytes = await readContent(content, record.size);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") {
          // Gone with its index line: a prune or clear took it while we read.
          if (!stillIndexed(bucket, record)) return EVICTED;
          await discard(entry, undefined);
          return { status: "corrupt", reason: "its content file is missing" };
        }
        if (code !== "EBADSIZE") throw error;
        await discard(entry, content);
        return { status: "corrupt", reason: "its content has the wrong size (truncated?)" };
      }
      if (!contentMatches(bytes, record, metadata)) {
        await discard(entry, content);
        return { status: "corrupt", reason: "its content failed the integrity check" };
      }
      recordUse(bucket);
      return { status: "found", bytes, metadata };
    } catch (error) {
      // Out of file descriptors for a moment (many calls in flight): wait for a slot, never turn the store off.
      if (!retry || !isTransient(error)) throw error;
      return inFileSlot(() => this.read(key, false));
    }
  }

  // Writing, removing and locking load their modules on first use: a process that only hits never loads them.
  async put(key: string, bytes: Uint8Array, metadata: EntryMetadata): Promise<void> {
    await (await writes()).putEntry(this.dir, this.maxSize, key, bytes, metadata);
  }

  async remove(key: string): Promise<void> {
    (await writes()).removeEntry(this.dir, key);
  }

  async lock(key: string): Promise<Lease> {
    return (await writes()).lockKey(lockPath(this.dir, key));
  }
}

/** Where the lock of `key` lives (exported for tests that play a dead holder). */
export function lockPath(dir: string, key: string): string {
  return join(dir, OWN_DIR, LOCKS_DIR, keyDigest(key));
}

/** Removes a damaged entry (see `store-writes.ts`). */
async function discard(
  entry: { dir: string; digest: string; time: number },
  content: string | undefined,
): Promise<void> {
  (await writes()).discard(entry, content);
}
