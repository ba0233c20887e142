/**
 * The in-process memory tier: the bytes of recent hits and writes, by store
 * and key, so that a call repeated in one process decodes from memory
 * instead of reading two files. Bounded in bytes (`CACHEPHANT_MEMORY_SIZE`,
 * default 64 MB; 0 turns it off), least recently used out.
 *
 * An entry is served from memory for at most `REVALIDATE_MS` after the disk
 * last confirmed it; then the next call reads the store again (which also
 * renews the entry's last use there, for the size bound's LRU). So a `clear`
 * or `prune` in another process is seen within that time; in this process,
 * `clear()` and `prune()` forget the store's memory at once. Every hit still
 * decodes its own copy, checks `ttl` and recorded inputs, and records its
 * use for the size bound's LRU, as a disk hit does (`recordUse`: at most one
 * touch a second per entry).
 */
import { bucketPath, keyDigest, type EntryMetadata } from "./layout.js";
import { recordUse } from "./read.js";

/** How long the disk's word for an entry holds in memory. */
export const REVALIDATE_MS = 1000;

interface Remembered {
  readonly bytes: Buffer;
  readonly metadata: EntryMetadata;
  /** When the store last confirmed these bytes (ms since the epoch). */
  readonly confirmed: number;
  /** The entry's index bucket, whose mtime is its last use: found on the first hit from memory, not on every disk read. */
  bucket?: string;
}

class MemoryTier {
  private readonly entries = new Map<string, Remembered>();
  private size = 0;

  constructor(
    private readonly dir: string,
    public maxBytes: number,
  ) {}

  /** The bytes of `key` when the store confirmed them less than `REVALIDATE_MS` ago. */
  get(key: string, now: number): Remembered | undefined {
    const found = this.entries.get(key);
    if (found === undefined) return undefined;
    if (now - found.confirmed >= REVALIDATE_MS) return undefined;
    // Most recently used last, here and on disk.
    this.entries.delete(key);
    this.entries.set(key, found);
    recordUse((found.bucket ??= bucketPath(this.dir, keyDigest(key))));
    return found;
  }

  set(key: string, bytes: Buffer, metadata: EntryMetadata, now: number): void {
    this.delete(key);
    // One value larger than a share of the bound would push out everything else.
    if (bytes.byteLength > this.maxBytes / 4) return;
    this.entries.set(key, { bytes, metadata, confirmed: now });
    this.size += bytes.byteLength;
    for (const [oldest, entry] of this.entries) {
      if (this.size <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.size -= entry.bytes.byteLength;
    }
  }

  delete(key: string): void {
    const found = this.entries.get(key);
    if (found === undefined) return;
    this.entries.delete(key);
    this.size -= found.bytes.byteLength;
  }
}

const tiers = new Map<string, MemoryTier>();

/** The memory tier of the store at `dir`, or undefined when it is off (`maxBytes` 0). */
export function memoryFor(dir: string, maxBytes: number): MemoryTier | undefined {
  if (maxBytes <= 0) return undefined;
  let tier = tiers.get(dir);
  if (tier === undefined) tiers.set(dir, (tier = new MemoryTier(dir, maxBytes)));
  else if (tier.maxBytes !== maxBytes) tier.maxBytes = maxBytes;
  return tier;
}

/** Forgets what memory holds of the store at `dir` (all stores without one): after a clear or prune. */
export function forgetMemory(dir?: string): void {
  if (dir === undefined) tiers.clear();
  else tiers.delete(dir);
}
