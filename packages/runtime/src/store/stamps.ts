/**
 * Empty files in `cachephant/` whose mtime records when something last
 * happened: a prune (`PRUNE_STAMP`, so the runtime's own pruner knows one is
 * not due: `pruner.ts`). The round of the walk for content no entry uses has
 * its own record (`sweep.ts`).
 */
import { utimesSync } from "node:fs";
import { join } from "node:path";
import { makeOwnerDir, writeOwnerFile } from "../files/index.js";
import { OWN_DIR } from "./layout.js";

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
