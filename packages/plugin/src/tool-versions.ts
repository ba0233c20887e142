import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** Bumped when the build cache entries' shape or meaning changes. */
const CACHE_FORMAT = 4;

let versions: string | undefined;

/** `toolVersionsOf` the core this plugin loads, computed once per process. */
export function toolVersions(): string {
  return (versions ??= toolVersionsOf(createRequire(import.meta.url).resolve("@cachephant/core/package.json")));
}

/**
 * What identifies the code that makes a result: the core's files (its
 * version alone stays the same across unreleased edits), the parser's
 * version and the cache format. Part of every build cache key.
 */
export function toolVersionsOf(coreManifest: string): string {
  const hash = createHash("sha256").update(`cachephant-build-cache ${CACHE_FORMAT}\0`);
  const coreDir = dirname(coreManifest);
  hash.update(readFileSync(coreManifest));
  for (const folder of ["dist", "src"]) {
    const path = join(coreDir, folder);
    if (!existsSync(path)) continue;
    // Subfolders too: an edit anywhere in the core's sources changes its results.
    for (const name of readdirSync(path, { recursive: true, encoding: "utf8" }).sort()) {
      if (/\.[cm]?[jt]s$/.test(name)) hash.update(name).update(readFileSync(join(path, name)));
    }
  }
  const parser = createRequire(coreManifest).resolve("@babel/parser/package.json");
  hash.update(`@babel/parser ${(JSON.parse(readFileSync(parser, "utf8")) as { version: string }).version}`);
  return hash.digest("hex");
}
