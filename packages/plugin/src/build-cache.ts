import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import type { CachephantWarning } from "@cachephant/core";
import type { OutsideStamp } from "./outside-log.js";
import type { BuiltFunction } from "@cachephant/runtime/project";
import { isSystemError } from "@cachephant/core/scan";

/** A transform's output as the cache keeps it. */
export interface CachedTransform {
  /** Null: the module has nothing to rewrite (only text that looks like a directive). */
  code: string | null;
  /** The source map, as JSON. */
  map: unknown;
  /** Project files the hashes depend on (the core's `dependencies`). */
  dependencies: string[];
  /** Modules whose changing bindings the output's functions read (the core's `stateFiles`). */
  stateFiles: string[];
  /** The core's build warnings, shown again on every build that reuses the entry. */
  warnings: CachephantWarning[];
  /**
   * Every file whose content the output depends on, with the content hash it
   * had: the dependencies, and the `package.json` of every package imported
   * by the module or by them (a package upgrade changes its hash).
   */
  checks: FileCheck[];
  /** The cached functions the output has (see `built-record.ts`). */
  functions: BuiltFunction[];
  /** The outside check it relied on (see `outside-log.ts`); absent when it reached no exported data. */
  outside?: OutsideStamp;
}

/** A transform with output `code` and nothing else: no dependency, warning, check or function. */
export function bareTransform(code: string | null): CachedTransform {
  return { code, map: null, dependencies: [], stateFiles: [], warnings: [], checks: [], functions: [] };
}

/** An entry as written: short paths, and each dependency as the index of its check. */
interface StoredTransform extends Omit<CachedTransform, "dependencies"> {
  dependencyChecks: number[];
}

/**
 * A file with the content hash (null: absent) and the `mtime:size` it had.
 * A file with the same time and size is taken as unchanged without reading
 * it; any other is read and compared by hash.
 */
export type FileCheck = [file: string, hash: string | null, signature: string | null];

/** Entries kept; the least recently used go first beyond it. */
export const MAX_ENTRIES = 4000;
const ENTRY_FILE = /^[0-9a-f]{64}\.json$/;

/**
 * Transform results remembered across builds, one JSON file per module
 * content in the project's cache folder. The key covers the module's path
 * and content and everything else the output depends on (`salt`: plugin
 * options, core and parser versions); an entry is reused only if every file
 * in its `checks` still has the content it had. A file that cannot be read
 * or parsed is a miss, and is overwritten by the next result.
 */
export class BuildCache {
  private writes = 0;

  /**
   * @param root paths under it are stored relative to it (entries list every
   *   file a result depends on: short paths keep them small to read)
   */
  constructor(
    readonly dir: string,
    private readonly salt: string,
    private readonly root?: string,
  ) {}

  /**
   * What decides where this build's imports resolve (see `resolution/`),
   * part of every key: a result analysed under other settings is not
   * reused, even when every file it read is unchanged.
   */
  resolution = "";

  key(id: string, code: string): string {
    return createHash("sha256")
      .update(this.salt)
      .update("\0")
      .update(this.resolution)
      .update("\0")
      .update(id)
      .update("\0")
      .update(code)
      .digest("hex");
  }

  /** The entry under `key` if each of its checks still holds. */
  get(key: string, holds: (check: FileCheck) => boolean): CachedTransform | undefined {
    const file = join(this.dir, `${key}.json`);
    let entry: CachedTransform | undefined;
    try {
      entry = this.expand(JSON.parse(readFileSync(file, "utf8")) as StoredTransform);
    } catch (error) {
      // Missing, unreadable or cut short: a miss.
      if (!isSystemError(error) && !(error instanceof SyntaxError)) throw error;
      return undefined;
    }
    if (!entry || !isEntry(entry)) return undefined;
    for (const check of entry.checks) if (!holds(check)) return undefined;
    try {
      // Its modification time is its last use, for eviction.
      const now = new Date();
      utimesSync(file, now, now);
    } catch (error) {
      // Still a valid result.
      if (!isSystemError(error)) throw error;
    }
    return entry;
  }

  /** Stores an entry; never fails a build (an unwritable folder only loses the entry). */
  set(key: string, entry: CachedTransform): void {
    // A read-only project still builds, without the entry.
    if (this.write(`${key}.json`, this.compact(entry))) this.writes++;
  }

  /** Paths relative to the root, dependencies as indexes into the checks. */
  private compact(entry: CachedTransform): StoredTransform {
    const short = (path: string) => {
      if (this.root === undefined) return path;
      const relativePath = relative(this.root, path);
      return relativePath.startsWith("..") || isAbsolute(relativePath) ? path : relativePath;
    };
    const index = new Map(entry.checks.map(([file], position) => [file, position]));
    const { dependencies, checks, ...rest } = entry;
    return {
      ...rest,
      checks: checks.map(([file, hash, signature]): FileCheck => [short(file), hash, signature]),
      dependencyChecks: dependencies.map((dependency) => index.get(dependency) ?? -1),
    };
  }

  private expand(stored: StoredTransform): CachedTransform | undefined {
    if (
      typeof stored !== "object" ||
      stored === null ||
      !Array.isArray(stored.checks) ||
      !Array.isArray(stored.dependencyChecks)
    )
      return undefined;
    const { dependencyChecks, checks, ...rest } = stored;
    // Plain concatenation: `relative()` wrote the path, so it needs no normalizing (thousands per build).
    const prefix = this.root === undefined ? undefined : this.root.endsWith(sep) ? this.root : this.root + sep;
    const full = checks.map((check): FileCheck => {
      if (!Array.isArray(check) || typeof check[0] !== "string") return check;
      return [prefix === undefined || isAbsolute(check[0]) ? check[0] : prefix + check[0], check[1], check[2]];
    });
    if (dependencyChecks.some((position) => full[position] === undefined)) return undefined;
    return { ...rest, checks: full, dependencies: dependencyChecks.map((position) => full[position]![0]) };
  }

  /**
   * A side file of the cache (`name` without extension), or undefined when
   * missing, unreadable, or written under another salt (another version of
   * the core may plan differently).
   */
  readExtra(name: string): unknown {
    try {
      const saved = JSON.parse(readFileSync(join(this.dir, `${name}.extra.json`), "utf8")) as {
        salt?: unknown;
        value?: unknown;
      };
      return saved.salt === this.saltHash ? saved.value : undefined;
    } catch (error) {
      if (!isSystemError(error) && !(error instanceof SyntaxError)) throw error;
      return undefined;
    }
  }

  writeExtra(name: string, value: unknown): void {
    this.write(`${name}.extra.json`, { salt: this.saltHash, value });
  }

  private get saltHash(): string {
    return (this.saltDigest ??= createHash("sha256").update(this.salt).digest("hex"));
  }

  private saltDigest: string | undefined;

  /** Writes through a temporary file, so a reader never sees half a file. */
  private write(name: string, value: unknown): boolean {
    try {
      mkdirSync(this.dir, { recursive: true });
      const file = join(this.dir, name);
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(value));
      renameSync(temporary, file);
      return true;
    } catch (error) {
      if (!isSystemError(error)) throw error;
      return false;
    }
  }

  /** Keeps at most `max` entries, the most recently used; run at the end of a build that wrote some. */
  evict(max = MAX_ENTRIES): void {
    if (this.writes === 0) return;
    this.writes = 0;
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((name) => ENTRY_FILE.test(name));
    } catch (error) {
      if (!isSystemError(error)) throw error;
      return;
    }
    if (names.length <= max) return;
    const aged = names.map((name) => {
      const path = join(this.dir, name);
      try {
        return { path, used: statSync(path).mtimeMs };
      } catch (error) {
        // Removed by another build meanwhile: first to go.
        if (!isSystemError(error)) throw error;
        return { path, used: 0 };
      }
    });
    aged.sort((a, b) => a.used - b.used);
    for (const { path } of aged.slice(0, aged.length - max)) rmSync(path, { force: true });
  }
}

function isEntry(value: unknown): value is CachedTransform {
  const entry = value as CachedTransform | null;
  return (
    typeof entry === "object" &&
    entry !== null &&
    (typeof entry.code === "string" || entry.code === null) &&
    Array.isArray(entry.dependencies) &&
    Array.isArray(entry.warnings) &&
    Array.isArray(entry.stateFiles) &&
    Array.isArray(entry.checks) &&
    entry.checks.every((check) => Array.isArray(check) && check.length === 3 && typeof check[0] === "string")
  );
}
