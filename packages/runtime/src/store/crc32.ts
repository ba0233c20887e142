/**
 * CRC-32 (IEEE, the one `zlib.crc32` computes) of an entry's content, what
 * its index line records. Small content is summed here, table-driven: a hit
 * then never loads `node:zlib` (about 4 ms of a fresh process's start, for
 * a few microseconds of work on a 1 KB result). Larger content goes to
 * zlib's native one, loaded on first need.
 */

/** Past this size zlib's native CRC is quicker than loading it is slow. */
const JS_CRC_LIMIT = 64 * 1024;
/**
 * Bytes summed here (about 2.5 µs a KB, zlib's takes a tenth of that) before
 * the process loads zlib's anyway: a short process never loads it, and a long
 * one pays at most this much before it does.
 */
const JS_CRC_BUDGET = 256 * 1024;

let table: Int32Array | undefined;
let summed = 0;
let native: ((bytes: Uint8Array) => number) | undefined;

function makeTable(): Int32Array {
  const made = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    made[n] = c;
  }
  return made;
}

/** The CRC-32 of `bytes`, an unsigned 32-bit number (equal to `zlib.crc32(bytes)`). */
export function crc32(bytes: Uint8Array): number {
  if (native === undefined && (bytes.byteLength > JS_CRC_LIMIT || summed + bytes.byteLength > JS_CRC_BUDGET))
    native = process.getBuiltinModule("node:zlib").crc32;
  if (native !== undefined) return native(bytes);
  summed += bytes.byteLength;
  const t = (table ??= makeTable());
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
