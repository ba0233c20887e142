/**
 * Turns what a call read (`Observation`s) into what its entry keeps
 * (`InputRecord`s, see `format.ts`): values hashed, files by size, mtime and
 * sha256 of their content, directories by their sorted names, and anything
 * inside a package in `node_modules` by the package's name and version.
 * `check.ts` computes the same fingerprints again on a hit. Uses only the
 * unhooked fs functions.
 */
import { createHash } from "node:crypto";
import type { Stats } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import type { InputRecord } from "./format.js";
import { original } from "./unhooked.js";
import type { Observation } from "./record.js";
import { isSystemError } from "@cachephant/core/scan";

const NODE_MODULES = `${sep}node_modules${sep}`;

/** sha256 (hex, 32 characters) of a value, with a prefix so it is not a bare hash of a secret. */
export function valueHash(value: string): string {
  return createHash("sha256").update("cachephant-input\0").update(value).digest("hex").slice(0, 32);
}

/** How a path is kept: relative to the root with `/` when inside it, else absolute. */
export function storedPath(absolute: string, root: string): string {
  const rel = relative(root, absolute);
  if (rel === "") return ".";
  if (rel.startsWith("..") || isAbsolute(rel)) return absolute;
  return sep === "/" ? rel : rel.split(sep).join("/");
}

/** The absolute path of a stored one. */
export function absolutePath(stored: string, root: string): string {
  return isAbsolute(stored) ? stored : join(root, stored);
}

/** A stat, or undefined when nothing is there; other errors throw. */
export function statOf(path: string): Stats | undefined {
  return original.statSync(path, STAT_OPTIONS);
}
const STAT_OPTIONS = { throwIfNoEntry: false } as const;

/** `missing`, `directory`, another type, or an error code: what a path is when it is not a readable regular file. */
export function stateOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR" ? "missing" : (code ?? "unreadable");
}

function typeOf(stats: Stats): string {
  if (stats.isFile()) return "file";
  if (stats.isDirectory()) return "directory";
  return "other";
}

export function contentHash(path: string): string {
  return createHash("sha256").update(original.readFileSync(path)).digest("hex");
}

/** A file read: `[size, mtimeMs, sha256]` of a regular file, else its state. */
export function fileState(path: string): readonly [number, number, string] | string {
  let stats: Stats | undefined;
  try {
    stats = statOf(path);
  } catch (error) {
    return stateOf(error);
  }
  if (stats === undefined) return "missing";
  if (!stats.isFile()) return stats.isDirectory() ? "directory" : NOT_A_FILE;
  try {
    const mtime = Date.now() - stats.mtimeMs < RACY_WINDOW_MS ? RACY_MTIME : stats.mtimeMs;
    return [stats.size, mtime, contentHash(path)];
  } catch (error) {
    return stateOf(error);
  }
}

/**
 * A file written this recently before it was read may be written again with
 * the same size inside the same tick of the file system's clock (Linux
 * stamps files with a coarse clock; FAT and HFS+ by the second or two), so
 * the same size and mtime would not prove the same content ("racily clean",
 * as git calls it). Its mtime is then recorded as `RACY_MTIME`, which no file
 * has: each hit compares its content instead.
 */
const RACY_WINDOW_MS = 2_000;
export const RACY_MTIME = -1;

/** A stat: `[size, mtimeMs, type]`, else its state. */
export function statState(path: string): readonly [number, number, string] | string {
  try {
    const stats = statOf(path);
    return stats === undefined ? "missing" : [stats.size, stats.mtimeMs, typeOf(stats)];
  } catch (error) {
    return stateOf(error);
  }
}

/** A listing: the hash of the sorted names, else its state. */
export function listingState(path: string, recursive: boolean): string {
  let names: string[];
  try {
    names = (
      recursive ? original.readdirSync(path, { recursive: true, encoding: "utf8" }) : original.readdirSync(path)
    ).sort();
  } catch (error) {
    return stateOf(error);
  }
  return valueHash(names.join("\0"));
}

/** Packages by folder, for one call's fingerprints: `name@version`, or undefined when the folder is not a package. */
const packages = new Map<string, string | undefined>();

/** Starts the fingerprints of one call: packages are read again (one may have been upgraded meanwhile). */
export function forgetPackages(): void {
  packages.clear();
}

/**
 * The package folder a path is inside (`…/node_modules/name` or
 * `…/node_modules/@scope/name`, the innermost), or undefined. Dot-folders
 * (`node_modules/.cache`) are not packages.
 */
export function packageFolder(path: string): string | undefined {
  const at = path.lastIndexOf(NODE_MODULES);
  if (at === -1) return undefined;
  const start = at + NODE_MODULES.length;
  const parts = path.slice(start).split(sep);
  const first = parts[0];
  if (first === undefined || first === "" || first.startsWith(".")) return undefined;
  const name = first.startsWith("@") ? (parts.length > 2 ? `${first}${sep}${parts[1]}` : undefined) : first;
  if (name === undefined) return undefined;
  return path.slice(0, start) + name;
}

/** `name@version` of the package in `folder`, `missing` when its package.json cannot be read. */
export function packageState(folder: string): string {
  try {
    const manifest = JSON.parse(original.readFileSync(join(folder, "package.json"), "utf8")) as {
      name?: unknown;
      version?: unknown;
    };
    return `${String(manifest.name)}@${String(manifest.version)}`;
  } catch (error) {
    return stateOf(error);
  }
}

function packageOf(folder: string): string | undefined {
  if (!packages.has(folder)) {
    const state = packageState(folder);
    packages.set(folder, state.includes("@") ? state : undefined);
  }
  return packages.get(folder);
}

/** The record of one observation, as it is now. */
export function fingerprint(observation: Observation, root: string): InputRecord {
  const { kind, subject, seen } = observation;
  switch (kind) {
    case "env":
      return ["env", subject, seen === undefined ? envValueHash(process.env, subject) : (seen as string | null)];
    case "envkeys":
      return ["envkeys", typeof seen === "string" ? seen : envKeysHash(process.env)];
    case "argv":
      return ["argv", typeof seen === "string" ? seen : argvHash(process.argv)];
    case "cwd":
      return ["cwd", typeof seen === "string" ? seen : original.cwd.call(process)];
  }
  const folder = packageFolder(subject);
  if (folder !== undefined && packageOf(folder) !== undefined) {
    return ["pkg", storedPath(join(folder, "package.json"), root), packageOf(folder)!];
  }
  const path = storedPath(subject, root);
  switch (kind) {
    case "file": {
      // Changed since the call first read it: what it read is not known, so the entry never matches.
      // Gone by the end (a temporary file the call removed): recorded as missing, as it is now.
      const now = statState(subject);
      if (seen !== undefined && now !== "missing" && !sameStat(seen, now)) return ["file", path, CHANGED_WHILE_READ];
      const state = fileState(subject);
      return typeof state === "string" ? ["file", path, state] : ["file", path, ...state];
    }
    case "stat": {
      // As the first read saw it, unless it is gone by the end (removed by the call: `rmSync` stats first).
      const now = statState(subject);
      const state = now === "missing" ? now : ((seen as ReturnType<typeof statState> | undefined) ?? now);
      return typeof state === "string" ? ["stat", path, state] : ["stat", path, ...state];
    }
    case "exists": {
      const now = existsNow(subject);
      return ["exists", path, now && typeof seen === "boolean" ? seen : now];
    }
    case "dir":
    case "dirr":
      return [kind, path, listingState(subject, kind === "dirr")];
  }
}

export function existsNow(path: string): boolean {
  try {
    return statOf(path) !== undefined;
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return false;
  }
}

/** A file's state that no later state equals: it changed while the call ran. */
export const CHANGED_WHILE_READ = "changed while the call ran";
/** What a read of a pipe, a device or a socket (`/dev/stdin`) records: its content cannot be known again, so it never matches. */
export const NOT_A_FILE = "not a regular file";

function sameStat(seen: unknown, now: ReturnType<typeof statState>): boolean {
  if (typeof seen === "string" || typeof now === "string") return seen === now;
  const then = seen as readonly [number, number, string];
  return then[0] === now[0] && then[1] === now[1] && then[2] === now[2];
}

/** An environment variable's recorded value: its hash, or null when unset. (`env` is the real env object or its hook.) */
export function envValueHash(env: object, name: string): string | null {
  const value = Reflect.get(env, name) as string | undefined;
  return value === undefined ? null : valueHash(value);
}

export function envKeysHash(env: object): string {
  return valueHash(
    Reflect.ownKeys(env)
      .filter((k): k is string => typeof k === "string" && !k.startsWith("CACHEPHANT_"))
      .sort()
      .join("\0"),
  );
}

export function argvHash(argv: readonly string[]): string {
  return valueHash(JSON.stringify(Array.from(argv)));
}
