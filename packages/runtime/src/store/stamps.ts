/**
 * Empty files in `cachephant/` whose mtime records when something last
 * happened: a prune (`PRUNE_STAMP`, so the runtime's own pruner knows one is
 * not due: `pruner.ts`) and a walk of every content file (`SWEPT_STAMP`).
 */
import { statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { makeOwnerDir, writeOwnerFile } from "../files/index.js";
import { OWN_DIR } from "./layout.js";

/** In `OWN_DIR`: its mtime is when a prune last looked for content no entry uses. */
export const SWEPT_STAMP = "swept";

/** How old the stamp `name` is (ms; Infinity when there is none). */
export function stampAge(dir: string, name: string): number {
  try {
    return Date.now() - statSync(join(dir, OWN_DIR, name)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return Infinity;
    throw error;
  }
}

/** Sets the stamp `name` to now. */
export function stamp(dir: string, name: string): void {
  const path = join(dir, OWN_DIR, name);
  const now = Date.now() / 1000;
  try {
    utimesSync(path, now, now);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    makeOwnerDir(join(dir, OWN_DIR));
    writeOwnerFile(path, new Uint8Array(0), "w");
  }
}
