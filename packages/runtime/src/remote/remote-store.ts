/**
 * Entries in Redis: read and verify, write (chunks and head in one
 * transaction, expiring with the entry's ttl), remove. Every answer is a
 * value: faults are the client's business (one warning, `UNAVAILABLE`), and
 * an entry that must not be served is a miss with one warning.
 */
import type { EntryMetadata, StoreRead } from "../store.js";
import { warnOnce } from "../warn.js";
import { RemoteClient, UNAVAILABLE, type RedisConnection } from "./client.js";
import { chunkKey, encodeEntry, headKey, lockKey, parseHead, verifyEntry, type ParsedHead } from "./format.js";
import type { RemoteSettings } from "./settings.js";
import { operationBudget } from "./timing.js";

const MISSING: StoreRead = { status: "missing" };

export class RemoteStore {
  readonly client: RemoteClient;

  constructor(readonly settings: RemoteSettings) {
    this.client = new RemoteClient(settings);
  }

  get writable(): boolean {
    return this.settings.mode === "readwrite";
  }

  /** The entry, verified; anything else is `missing`. Never throws. */
  async read(key: string): Promise<StoreRead> {
    const raw = await this.client.use("read", operationBudget(0), "reading an entry", (redis) => redis.getBuffer(headKey(key)));
    if (raw === UNAVAILABLE || raw === null) return MISSING;
    const head = parseHead(raw);
    if (typeof head === "string") return this.refuse(head, "damaged");
    let content: Buffer[] | undefined = head.inline === undefined ? undefined : [head.inline];
    if (content === undefined) {
      const chunks = await this.client.use("read", operationBudget(head.header.size), "reading an entry", (redis) =>
        fetchChunks(redis, key, head),
      );
      if (chunks === UNAVAILABLE || chunks === undefined) return MISSING;
      content = chunks;
    }
    const refusal = verifyEntry(key, head, content, this.settings.key);
    if (refusal !== undefined) return this.refuse(refusal.reason, refusal.kind);
    const bytes = content.length === 1 ? content[0]! : Buffer.concat(content);
    return { status: "found", bytes, metadata: head.header.metadata, from: "remote" };
  }

  /**
   * Writes the entry (expiring with it), and deletes its lock when
   * `releaseLock`. Resolves when written or given up on; never rejects.
   */
  async write(key: string, bytes: Uint8Array, metadata: EntryMetadata, releaseLock = false): Promise<boolean> {
    if (!this.writable || !this.client.usable("write")) return false;
    const ttl = metadata.expires === undefined ? undefined : metadata.expires - Date.now();
    if (ttl !== undefined && ttl <= 0) return false;
    const entry = encodeEntry(key, bytes, metadata, this.settings.key);
    const expiry = ttl === undefined ? [] : (["PX", ttl] as const);
    const written = await this.client.use("write", operationBudget(bytes.byteLength), "writing an entry", async (redis) => {
      const transaction = redis.multi();
      entry.chunks.forEach((chunk, i) => transaction.set(chunkKey(key, entry.id, i), chunk, ...(expiry as [])));
      transaction.set(headKey(key), entry.head, ...(expiry as []));
      if (releaseLock) transaction.del(lockKey(key));
      await transaction.exec();
      return true;
    });
    return written === true;
  }

  /** Removes the entry and its chunks (write mode only). Never throws. */
  async remove(key: string): Promise<void> {
    if (!this.writable) return;
    await this.client.use("write", operationBudget(0), "removing an entry", (redis) => removeEntry(redis, key));
  }

  /** An entry that must not be served: a miss (overwritten by this machine's result, when it writes). */
  private refuse(reason: string, kind: string): StoreRead {
    warnOnce(
      `remote-refused:${this.client.label}:${kind}`,
      `an entry in the remote cache ${this.client.label} was refused: ${reason}; computing it instead`,
    );
    return MISSING;
  }
}

/** The chunks of an entry, in order; undefined when one is gone (evicted before its head). */
async function fetchChunks(redis: RedisConnection, key: string, head: ParsedHead): Promise<Buffer[] | undefined> {
  const pipeline = redis.pipeline();
  for (let i = 0; i < head.header.chunks; i++) pipeline.getBuffer(chunkKey(key, head.header.id, i));
  const replies = (await pipeline.exec()) ?? [];
  const content: Buffer[] = [];
  for (const [error, chunk] of replies) {
    if (error !== null) throw error;
    if (chunk === null) return undefined;
    content.push(chunk as Buffer);
  }
  return content;
}

/** Deletes an entry's head, its chunks and its lock. */
export async function removeEntry(redis: RedisConnection, key: string): Promise<number> {
  const raw = await redis.getBuffer(headKey(key));
  const head = raw === null ? undefined : parseHead(raw);
  const keys = [headKey(key), lockKey(key)];
  if (head !== undefined && typeof head !== "string") {
    for (let i = 0; i < head.header.chunks; i++) keys.push(chunkKey(key, head.header.id, i));
  }
  return redis.del(...keys);
}
