/**
 * Stores for the whole-store benchmarks (prune, ls at scale), written straight
 * in cacache's format: `count` entries of about 200 bytes over 50 functions.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import v8 from "node:v8";
import { crc32 } from "node:zlib";

/** @param {string} dir @param {number} count */
export function writeStore(dir, count) {
  const made = new Set();
  const ensure = (path) => {
    const parent = dirname(path);
    if (made.has(parent)) return;
    mkdirSync(parent, { recursive: true });
    made.add(parent);
  };
  for (let i = 0; i < count; i++) {
    const bytes = v8.serialize({ i, pad: "p".repeat(150) });
    const digest = createHash("sha512").update(bytes).digest();
    const hex = digest.toString("hex");
    const content = join(dir, "content-v2", "sha512", hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
    ensure(content);
    writeFileSync(content, bytes);
    const key = `cachephant:v1:bench:${i}`;
    const metadata = {
      v: 1,
      kind: "result",
      name: `fn${i % 50}`,
      file: "bench.ts",
      line: 1,
      hash: "h",
      created: Date.now(),
      crc: crc32(bytes),
    };
    const json = JSON.stringify({
      key,
      integrity: `sha512-${digest.toString("base64")}`,
      time: Date.now(),
      size: bytes.length,
      metadata,
    });
    const keyHex = createHash("sha256").update(key).digest("hex");
    const bucket = join(dir, "index-v5", keyHex.slice(0, 2), keyHex.slice(2, 4), keyHex.slice(4));
    ensure(bucket);
    writeFileSync(bucket, `\n${createHash("sha1").update(json).digest("hex")}\t${json}`);
  }
}
