/**
 * Entries in Redis: read and verify, write once (chunks and head in one
 * transaction, each `SET NX`, expiring with the entry's ttl). Every answer
 * is a value: faults are the client's business (one warning,
 * `UNAVAILABLE`), and an entry that must not be served is a miss with one
 * warning.
 *
 * Entries are immutable: a write never replaces an existing head. When the
 * one there holds other content for the same key, that is a conflict (the
 * function is not deterministic, or its key misses an input): one warning,
 * and a line in the namespace's list of recent conflicts (`conflicts.ts`).
 */
import type { EntryMetadata, StoreRead } from "../store/index.js";
import { warnOnce } from "../warn.js";
import { RemoteClient, UNAVAILABLE, type RedisConnection } from "./client.js";
import { recordConflict } from "./conflicts.js";
import { encodeEntry, parseHead, verifyContent, verifyHead, type EntryHeader, type ParsedHead } from "./format.js";
import { RemoteLayout } from "./layout.js";
import type { RemoteSettings } from "./settings.js";
import { operationBudget } from "./timing.js";

const MISSING: StoreRead = { status: "missing" };
/** Bytes read to find a head's header without its content (a header is a few hundred bytes). */
const HEADER_PROBE = 4096;

export class RemoteStore {
  readonly client: RemoteClient;
  readonly layout: RemoteLayout;
  /** Keys whose entry this process refused: its own write that finds one there is not a conflict. */
  private readonly refused = new Set<string>();

  constructor(readonly settings: RemoteSettings) {
    this.client = new RemoteClient(settings);
    this.layout = new RemoteLayout(settings.namespace);
  }

  get writable(): boolean {
    return this.settings.mode === "readwrite";
  }

  /** The entry, verified; anything else is `missing`. Never throws. */
  async read(key: string): Promise<StoreRead> {
    const headKey = this.layout.head(key);
    const raw = await this.client.use("read", operationBudget(0), "reading an entry", (redis) =>
      redis.getBuffer(headKey),
    );
    if (raw === UNAVAILABLE || raw === null) return MISSING;
    const head = parseHead(raw);
    if (typeof head === "string") return this.refuse(key, head, "damaged");
    // The signature first: an entry nobody trusted signed costs no chunk read and no decoding.
    const untrusted = verifyHead(this.layout.signedName(key), head, this.settings.trust);
    if (untrusted !== undefined) return this.refuse(key, untrusted.reason, untrusted.kind);
    let content: Buffer[] | undefined = head.inline === undefined ? undefined : [head.inline];
    if (content === undefined) {
      const chunks = await this.client.use("read", operationBudget(head.header.size), "reading an entry", (redis) =>
        fetchChunks(redis, this.layout, key, head),
      );
      if (chunks === UNAVAILABLE || chunks === undefined) return MISSING;
      content = chunks;
    }
    const damaged = verifyContent(head, content);
    if (damaged !== undefined) return this.refuse(key, damaged.reason, damaged.kind);
    const bytes = content.length === 1 ? content[0]! : Buffer.concat(content);
    return { status: "found", bytes, metadata: head.header.metadata, from: "remote" };
  }

  /**
   * Writes the entry unless one is there (expiring with it), and deletes its
   * lock when `releaseLock`. Resolves true when this write stored it, false
   * otherwise (written before, a fault, a read-only machine); never rejects.
   */
  async write(key: string, bytes: Uint8Array, metadata: EntryMetadata, releaseLock = false): Promise<boolean> {
    if (!this.writable || !this.client.usable("write")) return false;
    const ttl = metadata.expires === undefined ? undefined : metadata.expires - Date.now();
    if (ttl !== undefined && ttl <= 0) return false;
    const entry = encodeEntry(this.layout.signedName(key), bytes, metadata, this.settings.trust);
    const headKey = this.layout.head(key);
    const chunkKeys = entry.chunks.map((_, i) => this.layout.chunk(key, entry.header.id, i));
    const outcome = await this.client.use(
      "write",
      operationBudget(bytes.byteLength),
      "writing an entry",
      async (redis) => {
        // A large entry that is there already: its chunks are not sent for nothing.
        if (chunkKeys.length > 0 && (await redis.exists(headKey)) > 0) {
          if (releaseLock) await redis.del(this.layout.lock(key));
          return "exists";
        }
        const transaction = redis.multi();
        entry.chunks.forEach((chunk, i) => setOnce(transaction, chunkKeys[i]!, chunk, ttl));
        setOnce(transaction, headKey, entry.head, ttl);
        if (releaseLock) transaction.del(this.layout.lock(key));
        const replies = (await transaction.exec()) ?? [];
        if (replies[chunkKeys.length]?.[1] === "OK") return "written";
        // Another writer's head is there: this write's chunks (a fresh id) are nobody's.
        if (chunkKeys.length > 0) await redis.del(...chunkKeys);
        return "exists";
      },
    );
    if (outcome === "exists") await this.compareExisting(key, entry.header);
    return outcome === "written";
  }

  /** After a write found an entry there: a conflict when it holds other content. */
  private async compareExisting(key: string, ours: EntryHeader): Promise<void> {
    const head = await this.client.use("read", operationBudget(0), "reading an entry", (redis) =>
      readHead(redis, this.layout.head(key)),
    );
    if (head === UNAVAILABLE || head === undefined || head.header.sha256 === ours.sha256 || this.refused.has(key))
      return;
    // An entry this machine refuses (warned as such when read) is not another writer's result.
    if (verifyHead(this.layout.signedName(key), head, this.settings.trust) !== undefined) return;
    const theirs = head.header;
    // Computed with other run-time inputs (another API_URL, say): a miss on this machine, not a conflict.
    if (JSON.stringify(theirs.metadata.inputs ?? []) !== JSON.stringify(ours.metadata.inputs ?? [])) return;
    const { name, file } = ours.metadata;
    warnOnce(
      `remote-conflict:${this.client.label}:${file}:${name}`,
      `the remote cache ${this.client.label} holds another result of ${name} (${file}) for the same key, and entries are never overwritten: ` +
        "the function is not deterministic, or its key misses an input (see cachephant ls --remote)",
    );
    await this.client.use("write", operationBudget(0), "recording a conflict", (redis) =>
      recordConflict(redis, this.layout, {
        key,
        name,
        file,
        at: Date.now(),
        stored: theirs.sha256,
        computed: ours.sha256,
      }),
    );
  }

  /** An entry that must not be served: a miss. */
  private refuse(key: string, reason: string, kind: string): StoreRead {
    if (this.refused.size >= 10_000) this.refused.clear();
    this.refused.add(key);
    warnOnce(
      `remote-refused:${this.client.label}:${kind}`,
      `an entry in the remote cache ${this.client.label} was refused: ${reason}; computing it instead`,
    );
    return MISSING;
  }
}

type Transaction = ReturnType<RedisConnection["multi"]>;

function setOnce(transaction: Transaction, redisKey: string, value: Buffer, ttl: number | undefined): void {
  if (ttl === undefined) transaction.set(redisKey, value, "NX");
  else transaction.set(redisKey, value, "PX", ttl, "NX");
}

/** The chunks of an entry, in order; undefined when one is gone (evicted before its head). */
async function fetchChunks(
  redis: RedisConnection,
  layout: RemoteLayout,
  key: string,
  head: ParsedHead,
): Promise<Buffer[] | undefined> {
  const pipeline = redis.pipeline();
  for (let i = 0; i < head.header.chunks; i++) pipeline.getBuffer(layout.chunk(key, head.header.id, i));
  const replies = (await pipeline.exec()) ?? [];
  const content: Buffer[] = [];
  for (const [error, chunk] of replies) {
    if (error !== null) throw error;
    if (chunk === null) return undefined;
    content.push(chunk as Buffer);
  }
  return content;
}

/** The header of the head at `redisKey`, read without its content; undefined when absent or damaged. */
export async function readHeader(redis: RedisConnection, redisKey: string): Promise<EntryHeader | undefined> {
  return (await readHead(redis, redisKey))?.header;
}

/** The head at `redisKey` without its content (header and tag); undefined when absent or damaged. */
async function readHead(redis: RedisConnection, redisKey: string): Promise<ParsedHead | undefined> {
  let probe = await redis.getrangeBuffer(redisKey, 0, HEADER_PROBE - 1);
  if (probe.length === HEADER_PROBE && probe.length >= 8 && 8 + probe.readUInt32BE(4) + 64 > probe.length) {
    probe = await redis.getrangeBuffer(redisKey, 0, 8 + probe.readUInt32BE(4) + 64 - 1);
  }
  const parsed = parseHead(probe, { headerOnly: true });
  return typeof parsed === "string" ? undefined : parsed;
}

/** Deletes an entry's head, its chunks and its lock (`clear --remote`). */
export async function removeEntry(redis: RedisConnection, layout: RemoteLayout, key: string): Promise<number> {
  const header = await readHeader(redis, layout.head(key));
  const keys = [layout.head(key), layout.lock(key)];
  if (header !== undefined) for (let i = 0; i < header.chunks; i++) keys.push(layout.chunk(key, header.id, i));
  return redis.del(...keys);
}
