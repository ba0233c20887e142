/**
 * How one entry is laid out in Redis, and what its signature covers.
 *
 * The head key (`layout.ts`) holds `"CPR2" | u32 header length | header
 * JSON | tag | content` when the content is small, or the same without
 * content when it is stored in chunks (each at most `CHUNK_BYTES`, well
 * under Redis' 512 MB string limit and small enough not to stall the
 * server). A write uses a new random chunk id, so two writers never mix
 * their chunks.
 *
 * The header carries the content's SHA-256, and the tag (`trust.ts`) is over
 * a digest of the entry's name (namespace and key), and the header. So a
 * reader checks the tag before it fetches a chunk or decodes anything, then
 * the content against the header's hash: a head copied under another key, a
 * chunk swapped in from another entry or a truncated tag is refused.
 */
import { createHash, randomBytes } from "node:crypto";
import { isEntryMetadata, type EntryMetadata } from "../store/index.js";
import { checkTag, signatureOf, tagBytes, tagOf, type Signature, type Trust } from "./trust.js";
import { parseJsonText } from "@cachephant/core/scan";

const MAGIC = Buffer.from("CPR2");
/** Content up to this size is stored in the head itself: one `GET` per hit. */
export const INLINE_BYTES = 1 << 20;
/** Size of each chunk of larger content. */
export const CHUNK_BYTES = 1 << 20;
/** A header is a few hundred bytes; a longer one is not read. */
const MAX_HEADER_BYTES = 1 << 16;

export interface EntryHeader {
  readonly metadata: EntryMetadata;
  /** Bytes of content. */
  readonly size: number;
  /** SHA-256 of the content, hex. */
  readonly sha256: string;
  /** Number of chunks; 0 when the content is in the head. */
  readonly chunks: number;
  /** Chunk id (random per write); empty when there are no chunks. */
  readonly id: string;
  readonly signature: Signature;
  /** The id of the Ed25519 key that signed it. */
  readonly signer?: string;
}

export interface EncodedEntry {
  readonly head: Buffer;
  /** Chunk values, in order; empty when the content is in the head. */
  readonly chunks: readonly Buffer[];
  readonly header: EntryHeader;
}

/** Lays out and signs (or checksums) one entry; `name` is `RemoteLayout.signedName(key)`. */
export function encodeEntry(name: string, bytes: Uint8Array, metadata: EntryMetadata, trust: Trust): EncodedEntry {
  const content = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const inline = content.length <= INLINE_BYTES;
  const chunks: Buffer[] = [];
  if (!inline)
    for (let at = 0; at < content.length; at += CHUNK_BYTES) chunks.push(content.subarray(at, at + CHUNK_BYTES));
  // The signature kind and signer are part of what is signed.
  const signed = signatureOf(trust);
  const header: EntryHeader = {
    metadata,
    size: content.length,
    sha256: createHash("sha256").update(content).digest("hex"),
    chunks: chunks.length,
    id: inline ? "" : randomBytes(8).toString("hex"),
    signature: signed.signature,
    ...(signed.signer !== undefined ? { signer: signed.signer } : {}),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const { tag } = tagOf(trust, digestOf(name, headerBytes));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);
  const parts: Buffer[] = [MAGIC, length, headerBytes, tag];
  if (inline) parts.push(content);
  return { head: Buffer.concat(parts), chunks, header };
}

/** A head as read, before its tag and content are checked. */
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
  if (headerLength > MAX_HEADER_BYTES) return "its header is damaged";
  const tagAt = 8 + headerLength;
  if (head.length < tagAt) return "it is truncated";
  const headerBytes = head.subarray(8, tagAt);
  const header = parseJsonText(headerBytes.toString("utf8"));
  if (!isHeader(header)) return "its header is damaged";
  const contentAt = tagAt + tagBytes(header.signature);
  if (head.length < contentAt) return "it is truncated";
  const tag = head.subarray(tagAt, contentAt);
  if (headerOnly) return { header, headerBytes, tag, inline: undefined };
  const rest = head.subarray(contentAt);
  if (header.chunks === 0 && rest.length !== header.size) return "its content has the wrong size";
  return { header, headerBytes, tag, inline: header.chunks === 0 ? rest : undefined };
}

/** Why an entry must not be served (as a warning's words), or undefined when it may. */
export interface Refusal {
  readonly kind: string;
  readonly reason: string;
}

/** Checks a head's tag under this machine's trust: before any chunk is read. */
export function verifyHead(name: string, head: ParsedHead, trust: Trust): Refusal | undefined {
  const { signature, signer } = head.header;
  return checkTag(trust, signature, signer, digestOf(name, head.headerBytes), head.tag);
}

/** Checks content (inline or chunks) against its verified header. */
export function verifyContent(head: ParsedHead, content: readonly Buffer[]): Refusal | undefined {
  const hash = createHash("sha256");
  let size = 0;
  for (const part of content) {
    hash.update(part);
    size += part.length;
  }
  if (size !== head.header.size) return { kind: "damaged", reason: "its content has the wrong size" };
  if (hash.digest("hex") !== head.header.sha256)
    return { kind: "content", reason: "its content does not match the hash in its header" };
  return undefined;
}

/** What a tag is over: the domain, the entry's name and its header (which holds the content's hash). */
function digestOf(name: string, headerBytes: Buffer): Buffer {
  return createHash("sha256").update(`cachephant-remote-v2\0${name}\0`).update(headerBytes).digest();
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
    typeof h.sha256 === "string" &&
    /^[0-9a-f]{64}$/.test(h.sha256) &&
    h.chunks === (inline ? 0 : Math.ceil(size / CHUNK_BYTES)) &&
    (inline ? h.id === "" : typeof h.id === "string" && /^[0-9a-f]{16}$/.test(h.id)) &&
    (h.signature === "hmac-sha256" ||
      h.signature === "sha256" ||
      (h.signature === "ed25519" && typeof h.signer === "string"))
  );
}
