/**
 * How one entry is laid out in Redis, and how it is signed.
 *
 * The head key holds `"CPR1" | u32 header length | header JSON | 32-byte tag |
 * content` when the content is small, or the same without content when it is
 * stored in chunks (`chunkKey(key, id, i)`, each at most `CHUNK_BYTES`, well
 * under Redis' 512 MB string limit and small enough not to stall the server).
 * Chunks are written before the head, so a reader never sees a head whose
 * chunks are not there yet; a new write uses a new chunk id, so two writers
 * never mix their chunks.
 *
 * The tag is an HMAC-SHA256 of the entry key, the header and the content
 * with `CACHEPHANT_REMOTE_KEY`, or, without a key, a plain SHA-256 of the same
 * (a checksum: it catches damage, not forgery). The entry key is part of
 * what is signed, so a valid entry copied under another key does not verify.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual, type Hash, type Hmac } from "node:crypto";
import { isEntryMetadata, type EntryMetadata } from "../store.js";

const MAGIC = Buffer.from("CPR1");
const TAG_BYTES = 32;
/** Content up to this size is stored in the head itself: one `GET` per hit. */
export const INLINE_BYTES = 1 << 20;
/** Size of each chunk of larger content. */
export const CHUNK_BYTES = 1 << 20;
/** Every Redis key Cachephant writes starts with this (`clear --remote` removes them all). */
export const REMOTE_PREFIX = "cachephant:r1:";

export type Signature = "hmac-sha256" | "sha256";

export interface EntryHeader {
  readonly metadata: EntryMetadata;
  /** Bytes of content. */
  readonly size: number;
  /** Number of chunks; 0 when the content is in the head. */
  readonly chunks: number;
  /** Chunk id (random per write); empty when there are no chunks. */
  readonly id: string;
  readonly signature: Signature;
}

/** The head key of an entry; `{...}` is a Redis Cluster hash tag, so its chunks and lock live on the same node. */
export function headKey(entryKey: string): string {
  return `${REMOTE_PREFIX}{${entryKey}}`;
}

export function chunkKey(entryKey: string, id: string, index: number): string {
  return `${headKey(entryKey)}:${id}:${index}`;
}

export function lockKey(entryKey: string): string {
  return `${headKey(entryKey)}:lock`;
}

/** The entry key of a head key, or undefined for a chunk, a lock or a foreign key. */
export function entryKeyOf(redisKey: string): string | undefined {
  if (!redisKey.startsWith(`${REMOTE_PREFIX}{`) || !redisKey.endsWith("}")) return undefined;
  return redisKey.slice(REMOTE_PREFIX.length + 1, -1);
}

export interface EncodedEntry {
  readonly head: Buffer;
  /** Chunk values, in order; empty when the content is in the head. */
  readonly chunks: readonly Buffer[];
  readonly id: string;
}

/** Lays out and signs (or checksums, without a key) one entry. */
export function encodeEntry(entryKey: string, bytes: Uint8Array, metadata: EntryMetadata, secret: string | undefined): EncodedEntry {
  const content = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const inline = content.length <= INLINE_BYTES;
  const chunks: Buffer[] = [];
  if (!inline) for (let at = 0; at < content.length; at += CHUNK_BYTES) chunks.push(content.subarray(at, at + CHUNK_BYTES));
  const header: EntryHeader = {
    metadata,
    size: content.length,
    chunks: chunks.length,
    id: inline ? "" : randomBytes(8).toString("hex"),
    signature: secret === undefined ? "sha256" : "hmac-sha256",
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const tag = startTag(header.signature, secret, entryKey, headerBytes).update(content).digest();
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);
  const parts: Buffer[] = [MAGIC, length, headerBytes, tag];
  if (inline) parts.push(content);
  return { head: Buffer.concat(parts), chunks, id: header.id };
}

/** A head as read, before its content is checked. */
export interface ParsedHead {
  readonly header: EntryHeader;
  readonly headerBytes: Buffer;
  readonly tag: Buffer;
  /** The content when it is in the head. */
  readonly inline: Buffer | undefined;
}

/**
 * Parses a head, or returns why it is not one (damaged, foreign, truncated).
 * `headerOnly`: `head` may be only the start of one (`ls` reads no content).
 */
export function parseHead(head: Buffer, { headerOnly = false } = {}): ParsedHead | string {
  if (head.length < 8 || !head.subarray(0, 4).equals(MAGIC)) return "it is not a Cachephant entry";
  const headerLength = head.readUInt32BE(4);
  const tagAt = 8 + headerLength;
  if (head.length < tagAt + TAG_BYTES) return "it is truncated";
  const headerBytes = head.subarray(8, tagAt);
  let header: EntryHeader;
  try {
    header = JSON.parse(headerBytes.toString("utf8")) as EntryHeader;
  } catch {
    return "its header is damaged";
  }
  if (!isHeader(header)) return "its header is damaged";
  const tag = head.subarray(tagAt, tagAt + TAG_BYTES);
  if (headerOnly) return { header, headerBytes, tag, inline: undefined };
  const rest = head.subarray(tagAt + TAG_BYTES);
  if (header.chunks === 0 && rest.length !== header.size) return "its content has the wrong size";
  return { header, headerBytes, tag, inline: header.chunks === 0 ? rest : undefined };
}

/** Why an entry must not be served (as a warning's words), or undefined when it may. */
export type Refusal = { readonly kind: "unsigned" | "signed" | "bad-signature" | "damaged"; readonly reason: string };

/** Checks a head's tag against `content` with this machine's key. */
export function verifyEntry(
  entryKey: string,
  head: ParsedHead,
  content: readonly Buffer[],
  secret: string | undefined,
): Refusal | undefined {
  const { signature } = head.header;
  if (secret !== undefined && signature !== "hmac-sha256") {
    return { kind: "unsigned", reason: "it is not signed, and CACHEPHANT_REMOTE_KEY is set" };
  }
  if (secret === undefined && signature !== "sha256") {
    return { kind: "signed", reason: "it is signed, and CACHEPHANT_REMOTE_KEY is not set here" };
  }
  let size = 0;
  const tag = startTag(signature, secret, entryKey, head.headerBytes);
  for (const part of content) {
    tag.update(part);
    size += part.length;
  }
  if (size !== head.header.size) return { kind: "damaged", reason: "its content has the wrong size" };
  if (!timingSafeEqual(tag.digest(), head.tag)) {
    return signature === "hmac-sha256"
      ? { kind: "bad-signature", reason: "its signature does not verify" }
      : { kind: "damaged", reason: "its checksum does not match" };
  }
  return undefined;
}

function startTag(signature: Signature, secret: string | undefined, entryKey: string, headerBytes: Buffer): Hash | Hmac {
  const tag = signature === "hmac-sha256" ? createHmac("sha256", secret ?? "") : createHash("sha256");
  return tag.update(`cachephant-remote-v1\0${entryKey}\0`).update(headerBytes).update("\0");
}

/** Largest content read: a Buffer's limit, and past what `v8.deserialize` takes. */
const MAX_SIZE = 2 ** 32;

/**
 * A header as `encodeEntry` writes it. Checked before the content is
 * fetched and verified, so a forged head cannot make a reader fetch a
 * billion chunks.
 */
function isHeader(value: unknown): value is EntryHeader {
  if (typeof value !== "object" || value === null) return false;
  const h = value as Record<string, unknown>;
  const size = h.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0 || size > MAX_SIZE) return false;
  const inline = size <= INLINE_BYTES;
  return (
    isEntryMetadata(h.metadata) &&
    h.chunks === (inline ? 0 : Math.ceil(size / CHUNK_BYTES)) &&
    (inline ? h.id === "" : typeof h.id === "string" && /^[0-9a-f]{16}$/.test(h.id)) &&
    (h.signature === "hmac-sha256" || h.signature === "sha256")
  );
}
