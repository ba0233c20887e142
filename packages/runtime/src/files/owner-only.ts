/**
 * The store is its owner's only: folders 0700, files 0600, whatever the
 * umask (results hold query results, tokens, personal data; a shared
 * JupyterHub or CI runner must not leak them). Modes are given when a file or
 * folder is created and set again with chmod, because the umask can only
 * take bits away. A store made by an older version (0755/0644) is tightened
 * by the first write of a process to it: one walk, after which its root
 * folder is 0700 and the walk is not done again.
 */
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, readdirSync, statSync, writeSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { isSystemError } from "@cachephant/core/scan";

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Folders this process made or checked (so a hot path does not ask the disk again). */
const knownDirs = new Set<string>();

/** Makes `dir` and its missing parents, each 0700. */
export function makeOwnerDir(dir: string): void {
  if (knownDirs.has(dir)) return;
  const first = mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if (first !== undefined) {
    // Each folder made by this call, from the first one down to `dir`.
    for (let made = dir; ; made = dirname(made)) {
      chmodSync(made, DIR_MODE);
      if (made === first || dirname(made) === made) break;
    }
  }
  if (knownDirs.size > 10_000) knownDirs.clear();
  knownDirs.add(dir);
}

/** Forgets the folders this process made (a clear may have removed them). */
export function forgetDir(dir: string): void {
  for (const known of knownDirs) {
    if (known === dir || known.startsWith(dir + sep)) knownDirs.delete(known);
  }
}

/**
 * Writes `data` to `path` with mode 0600, creating it (`flag` `wx`: fails
 * when it exists) or appending to it (`a`: one write, so concurrent appends
 * do not interleave). An older file appended to is tightened too.
 */
export function writeOwnerFile(path: string, data: Uint8Array, flag: "wx" | "a" | "w"): void {
  const fd = openSync(path, flag, FILE_MODE);
  try {
    fchmodSync(fd, FILE_MODE);
    let written = 0;
    while (written < data.byteLength) written += writeSync(fd, data, written, data.byteLength - written);
  } finally {
    closeSync(fd);
  }
}

const tightened = new Set<string>();

/**
 * Tightens a store written by an older version: every folder 0700, every
 * file 0600, the root last (so a walk cut short is done again). Once per
 * store and process; a store whose root is 0700 already is skipped.
 */
export function tightenStore(root: string): void {
  if (tightened.has(root)) return;
  tightened.add(root);
  let mode: number;
  try {
    mode = statSync(root).mode & 0o777;
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return; // not made yet: it is made 0700
  }
  if (mode === DIR_MODE) return;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      try {
        if (entry.isDirectory()) {
          chmodSync(path, DIR_MODE);
          walk(path);
        } else if (entry.isFile()) {
          chmodSync(path, FILE_MODE);
        }
      } catch (error) {
        if (!isSystemError(error)) throw error;
        // Removed meanwhile (a prune), or not ours: the rest is tightened all the same.
      }
    }
  };
  try {
    walk(root);
    chmodSync(root, DIR_MODE);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    // Not ours to change: the writes themselves still make owner-only files.
  }
}
