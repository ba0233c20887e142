/**
 * The store as calls see it: get, put and remove one entry by key. Kept this
 * narrow so a faster reader can replace the cacache-backed one without
 * touching `run.ts`.
 *
 * Crash safety comes from cacache: content is written to `tmp/` and renamed
 * into place, and each index line carries a checksum of itself, so a write
 * cut short leaves either no entry or an entry whose line is ignored.
 */
import { loadCacache, removeIndexEntry } from "./cacache.js";

/** Per-entry metadata, kept in cacache's index line (readable by `ls`, `prune`, `clear`). */
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
}

export type StoreRead =
  | { readonly status: "found"; readonly bytes: Buffer; readonly metadata: EntryMetadata }
  | { readonly status: "missing" }
  | {
      /** The entry existed but its content is damaged or gone; the store has already removed it. */
      readonly status: "corrupt";
      readonly reason: string;
    };

export interface Store {
  /** Absolute directory of the store. */
  readonly dir: string;
  /** Reads an entry; throws only when the store itself cannot be read (permissions, not a folder). */
  get(key: string): Promise<StoreRead>;
  /** Writes an entry atomically; throws when the store cannot be written. */
  put(key: string, bytes: Uint8Array, metadata: EntryMetadata): Promise<void>;
  /** Removes an entry and its index record (content shared with other entries stays). */
  remove(key: string): Promise<void>;
}

const MISSING: StoreRead = { status: "missing" };

/** Error codes of a content read that mean the entry is unusable rather than the store unreadable. */
const CORRUPT_CONTENT: Readonly<Record<string, string>> = {
  EINTEGRITY: "its content failed the integrity check",
  EBADSIZE: "its content has the wrong size (truncated?)",
  ENOENT: "its content file is missing",
};

const stores = new Map<string, Store>();

/** The store in `dir` (one instance per directory and process). */
export function storeAt(dir: string): Store {
  let store = stores.get(dir);
  if (store === undefined) {
    store = new CacacheStore(dir);
    stores.set(dir, store);
  }
  return store;
}

class CacacheStore implements Store {
  constructor(readonly dir: string) {}

  async get(key: string): Promise<StoreRead> {
    const cacache = await loadCacache();
    const info = await cacache.get.info(this.dir, key);
    if (info === null) return MISSING;
    if (!isEntryMetadata(info.metadata)) {
      await this.discard(key, info.integrity);
      return { status: "corrupt", reason: "its index record has no cachephant metadata" };
    }
    try {
      // Reads the whole file and checks its sha512 against the index record.
      const bytes = await cacache.get.byDigest(this.dir, info.integrity, { size: info.size });
      return { status: "found", bytes, metadata: info.metadata };
    } catch (error) {
      const reason = CORRUPT_CONTENT[(error as NodeJS.ErrnoException).code ?? ""];
      if (reason === undefined) throw error;
      await this.discard(key, info.integrity);
      return { status: "corrupt", reason };
    }
  }

  async put(key: string, bytes: Uint8Array, metadata: EntryMetadata): Promise<void> {
    const cacache = await loadCacache();
    await cacache.put(this.dir, key, bytes, { metadata });
  }

  async remove(key: string): Promise<void> {
    const cacache = await loadCacache();
    await removeIndexEntry(cacache, this.dir, key);
  }

  /**
   * Removes a damaged entry and its content file. The content must go too:
   * cacache never overwrites an existing content file, so rewriting the same
   * bytes would otherwise keep the damaged file.
   */
  private async discard(key: string, integrity: string): Promise<void> {
    const cacache = await loadCacache();
    await Promise.allSettled([cacache.rm.content(this.dir, integrity), removeIndexEntry(cacache, this.dir, key)]);
  }
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
    typeof m.created === "number"
  );
}
