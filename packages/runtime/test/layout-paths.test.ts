// The store's paths are built by concatenation under a folder joined once per
// store (layout.ts): they must be exactly what path.join gives, which is
// what cacache reads, for every form of store directory and integrity.
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { bucketPath, contentPath } from "../src/store/layout.js";

const dirs = ["/tmp/store", "/tmp/store/", "/tmp//store/./x/..", "relative/store", "./store", resolve("store")];

/** The content path as cacache builds it: the strongest hash of the integrity, its digest in hex, split 2/2/rest. */
function joined(dir: string, algorithm: string, hex: string): string {
  return join(dir, "content-v2", algorithm, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

describe("store paths", () => {
  const sha512 = Buffer.alloc(64, 0xab).toString("base64");
  const sha256 = Buffer.from("00ff".repeat(16), "hex").toString("base64");
  const sha1 = Buffer.alloc(20, 7).toString("base64");

  test.each(dirs)("a bucket path under %j equals path.join's", (dir) => {
    const digest = "0a1b" + "c".repeat(60);
    expect(bucketPath(dir, digest)).toBe(join(dir, "index-v5", "0a", "1b", "c".repeat(60)));
  });

  test.each(dirs)("content paths under %j equal path.join's, single and several hashes", (dir) => {
    expect(contentPath(dir, `sha256-${sha256}`)).toBe(joined(dir, "sha256", "00ff".repeat(16)));
    expect(contentPath(dir, `sha512-${sha512}`)).toBe(joined(dir, "sha512", "ab".repeat(64)));
    // Several hashes: sha512 wins wherever it stands; options after `?` are dropped.
    expect(contentPath(dir, `sha1-${sha1} sha512-${sha512}?foo`)).toBe(joined(dir, "sha512", "ab".repeat(64)));
    expect(contentPath(dir, `  sha256-${sha256}?x  `)).toBe(joined(dir, "sha256", "00ff".repeat(16)));
  });

  test("an integrity that names no hash, or one too short, has no content path", () => {
    for (const integrity of ["", "sha512", "-abc", "sha512-", "sha512-AAA=", "SHA../x-" + sha256, "a/b-" + sha256]) {
      expect(contentPath("/tmp/store", integrity), integrity).toBeUndefined();
    }
  });
});
