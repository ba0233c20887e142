import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { DIRECTIVE_LIKE } from "@cachephant/core/scan";
import { signatureFrom, signatureOf } from "./files.js";
import { TSCONFIG_FILE } from "./resolution/index.js";
import ignore, { type Ignore } from "ignore";
import { isSystemError } from "@cachephant/core/scan";

/** Folders a project's own modules never live in. */
const SKIPPED_FOLDER = /^(?:node_modules|\..*)$/;

/**
 * Component files whose scripts import project modules (Vue, Svelte, Astro,
 * MDX, Marko): not rewritten, but part of the project whose modules may
 * mutate each other's exports (the core cannot parse them, so one that names
 * an export counts as mutating it).
 */
const COMPONENT_FILE = /\.(?:vue|svelte|astro|mdx|marko)$/;

interface Seen {
  mtimeMs: number;
  size: number;
  directive: boolean;
}

/** The name the previous build's scan is kept under, per root and include/exclude. */
export function scanRecordName(root: string, include: unknown, exclude: unknown): string {
  return `scan-${createHash("sha256")
    .update(JSON.stringify([root, String(include), String(exclude)]))
    .digest("hex")
    .slice(0, 16)}`;
}

/** What a scan saw, to start the next process's scan from: files unchanged since are not read again. */
export type ScanSnapshot = Array<[path: string, mtimeMs: number, size: number, directive: boolean]>;

/** A `.gitignore`'s rules, for the paths under its folder. */
interface IgnoreRules {
  folder: string;
  rules: Ignore;
}

/**
 * The project files the plugin must rewrite, as absolute paths: found by a
 * scan of the project for the text `use cache` (only files the `include`
 * and `exclude` options let through, never `node_modules`, dot-folders,
 * what a `.gitignore` lists, nor the bundler's own output: a bundle built
 * earlier holds the directives of the code it was built from, and is not a
 * module of the build),
 * kept right by scanning again (files whose size and modification time did
 * not change are not read again). Modules that need a rewrite without a
 * directive of their own are added with `add`, before they load.
 *
 * esbuild loads a file through JavaScript only when an `onLoad` filter
 * matches its path, and a filter is fixed when the plugin is set up:
 * `loadFilter()` matches exactly the set at that time.
 */
export class RewriteSet {
  private readonly seen = new Map<string, Seen>();
  private readonly added = new Set<string>();
  /** Files outside the scan (helpers elsewhere) whose changes must be noticed too. */
  private readonly tracked = new Map<string, string | null>();

  private readonly outputs: Set<string>;

  /**
   * @param outputs the bundler's output files and folders (esbuild's
   *   `outfile`/`outdir`, Vite's `build.outDir`), skipped by the scan
   */
  constructor(
    private readonly root: string,
    private readonly matches: (file: string) => boolean,
    outputs: Iterable<string> = [],
  ) {
    // The root itself is never skipped (an `outdir: "."` build).
    this.outputs = new Set(
      [...outputs].map((output) => resolve(root, output)).filter((output) => output !== resolve(root)),
    );
  }

  /**
   * Scans the project again. Returns the files created, changed or deleted
   * since the previous scan (all of them on the first).
   */
  scan(): string[] {
    const changed: string[] = [];
    const present = new Set<string>();
    this.tsconfigFiles = [];
    const walk = (dir: string, ignores: readonly IgnoreRules[]) => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (error) {
        // A folder gone or closed to this user: nothing the build can load either.
        if (!isSystemError(error)) throw error;
        return;
      }
      const here = gitignoreIn(dir);
      const rules = here ? [...ignores, here] : ignores;
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (this.outputs.has(path)) continue;
        if (entry.isDirectory()) {
          if (!SKIPPED_FOLDER.test(entry.name) && !ignored(rules, path, true)) walk(path, rules);
        } else if (
          (entry.isFile() || entry.isSymbolicLink()) &&
          (this.matches(path) || COMPONENT_FILE.test(path)) &&
          !ignored(rules, path, false)
        ) {
          present.add(path);
          this.look(path, changed);
        } else if (TSCONFIG_FILE.test(entry.name)) {
          this.tsconfigFiles.push(path);
        }
      }
    };
    walk(this.root, []);
    for (const [path, before] of this.tracked) {
      if (present.has(path)) continue;
      const now = signatureOf(path);
      if (now !== before) {
        this.tracked.set(path, now);
        changed.push(path);
      }
    }
    for (const path of this.seen.keys()) {
      if (!present.has(path)) {
        this.seen.delete(path);
        changed.push(path);
      }
    }
    return changed;
  }

  /** The tsconfig and jsconfig files the last scan saw (they may change where imports resolve: see `resolution/`). */
  tsconfigFiles: string[] = [];

  /** What the scans saw so far. */
  snapshot(): ScanSnapshot {
    return [...this.seen].map(([path, seen]) => [path, seen.mtimeMs, seen.size, seen.directive]);
  }

  /**
   * Starts from an earlier process's snapshot (before the first scan): the
   * first scan then reads only files whose size or time changed since, and
   * reports only those (and new and deleted ones) as changed. False when
   * there was none (the first scan then reports every file).
   */
  restore(snapshot: unknown): boolean {
    if (!Array.isArray(snapshot)) return false;
    for (const item of snapshot) {
      if (!Array.isArray(item) || item.length !== 4) continue;
      const [path, mtimeMs, size, directive] = item as ScanSnapshot[number];
      if (
        typeof path === "string" &&
        typeof mtimeMs === "number" &&
        typeof size === "number" &&
        typeof directive === "boolean"
      ) {
        this.seen.set(path, { mtimeMs, size, directive });
      }
    }
    return true;
  }

  /**
   * Every code file the scans saw (with a directive or not) and every
   * component file, the project whose modules may mutate each other's
   * exports, with its `mtime:size` as the last scan saw it (no need to stat
   * them again).
   */
  signatures(): Map<string, string> {
    return new Map([...this.seen].map(([path, seen]) => [path, signatureFrom(seen.mtimeMs, seen.size)]));
  }

  /** Notices changes of `file` at the next scans too, wherever it is. */
  track(file: string): void {
    if (!this.seen.has(file) && !this.tracked.has(file)) this.tracked.set(file, signatureOf(file));
  }

  /** Marks a file as needing a rewrite whatever its text says. */
  add(file: string): void {
    this.added.add(file);
  }

  has(file: string): boolean {
    return this.added.has(file) || this.seen.get(file)?.directive === true;
  }

  /** The files in the set now. */
  files(): string[] {
    const files = new Set(this.added);
    for (const [path, seen] of this.seen) if (seen.directive) files.add(path);
    return [...files].sort();
  }

  /** A regular expression matching exactly the paths in the set now (nothing when it is empty). */
  loadFilter(): RegExp {
    const files = this.files();
    if (files.length === 0) return /^\0$/;
    return new RegExp(`^(?:${files.map(escapeRegExp).join("|")})$`);
  }

  private look(path: string, changed: string[]): void {
    let stat;
    try {
      stat = statSync(path);
    } catch (error) {
      if (!isSystemError(error)) throw error;
      return;
    }
    const before = this.seen.get(path);
    if (before && before.mtimeMs === stat.mtimeMs && before.size === stat.size) return;
    let directive = false;
    try {
      // "use cache", and near misses of it, which the transform warns about.
      directive = this.matches(path) && DIRECTIVE_LIKE.test(readFileSync(path, "latin1"));
    } catch (error) {
      // Unreadable now: not a module the build can load either.
      if (!isSystemError(error)) throw error;
    }
    this.seen.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, directive });
    changed.push(path);
  }
}

/** The rules of `folder/.gitignore`, if there is one. */
function gitignoreIn(folder: string): IgnoreRules | undefined {
  let text: string;
  try {
    text = readFileSync(join(folder, ".gitignore"), "utf8");
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return undefined;
  }
  return { folder, rules: ignore().add(text) };
}

/** Whether a `.gitignore` above `path` (or beside it) lists it; git's own precedence is per file, the nearest last. */
function ignored(ignores: readonly IgnoreRules[], path: string, folder: boolean): boolean {
  let result = false;
  for (const { folder: base, rules } of ignores) {
    // The walk reached `path` from `base`: the relative path is its tail (no `path.relative`, thousands per scan).
    const tail = path.slice(base.endsWith(sep) ? base.length : base.length + 1);
    const relativePath = (sep === "/" ? tail : tail.split(sep).join("/")) + (folder ? "/" : "");
    const verdict = rules.test(relativePath);
    if (verdict.ignored) result = true;
    else if (verdict.unignored) result = false;
  }
  return result;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
