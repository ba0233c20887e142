/**
 * The file system as resolution sees it: stats and reads cached for one build,
 * and a relative path completed with TypeScript's extension rules.
 */
import { readFileSync } from "node:fs";
import { realpathSync } from "node:fs";
import { statSync } from "node:fs";
import path from "node:path";
import { stripQuery } from "../syntax/index.js";
import { isJsonError, isSystemError } from "../diagnostics/index.js";

/** Where `import`s of JavaScript files may point at TypeScript sources (TypeScript's own mapping). */
const SOURCE_EXTENSIONS: Readonly<Record<string, readonly string[]>> = {
  ".js": [".ts", ".tsx"],
  ".jsx": [".tsx"],
  ".mjs": [".mts"],
  ".cjs": [".cts"],
};

/** Tried in this order for `./x` and `./dir/index`. */
const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json"];

/**
 * Caches of file-system lookups, shared by every transform of one build
 * (see `ModuleGraph`): whether a path is a file or a directory, and what a
 * `package.json` says. Synchronous calls on purpose: for the small lookups a
 * resolution makes, `statSync` and `readFileSync` cost a few microseconds,
 * their promise versions ten times more (a thread-pool hop each).
 */
export class FileSystemCache {
  private readonly stats = new Map<string, "file" | "dir" | null>();
  private readonly manifests = new Map<string, Manifest | null>();
  private readonly realpaths = new Map<string, string | null>();

  kind(file: string): "file" | "dir" | null {
    let found = this.stats.get(file);
    if (found === undefined) {
      let stat;
      try {
        stat = statSync(file, { throwIfNoEntry: false });
      } catch (error) {
        if (!isSystemError(error)) throw error;
        stat = undefined; // not a directory on the way, no permission...
      }
      found = stat?.isFile() ? "file" : stat?.isDirectory() ? "dir" : null;
      this.stats.set(file, found);
    }
    return found;
  }

  manifest(file: string): Manifest | null {
    let found = this.manifests.get(file);
    if (found === undefined) {
      found = readManifest(file);
      this.manifests.set(file, found);
    }
    return found;
  }

  /** The path with symlinks followed (null: it does not exist). */
  realpath(file: string): string | null {
    let found = this.realpaths.get(file);
    if (found === undefined) {
      try {
        found = realpathSync(file);
      } catch (error) {
        if (!isSystemError(error)) throw error;
        found = null;
      }
      this.realpaths.set(file, found);
    }
    return found;
  }

  clear(): void {
    this.stats.clear();
    this.manifests.clear();
    this.realpaths.clear();
  }
}

/**
 * Node-style resolution of a path specifier, with TypeScript's extension
 * mapping: the file itself, `./x.js` → `./x.ts`/`./x.tsx`, `./x` → `./x.ts`,
 * `.tsx`, `.mts`, `.cts`, `.js`, `.jsx`, `.mjs`, `.cjs`, `.json`, and
 * `./dir` → `./dir/index.*`. Returns null when nothing matches.
 */
export function resolvePath(specifier: string, importer: string, files: FileSystemCache): string | null {
  const clean = stripQuery(specifier).replace(/#.*$/, "");
  const base = path.isAbsolute(clean) ? path.normalize(clean) : path.resolve(path.dirname(stripQuery(importer)), clean);
  if (files.kind(base) === "file") return base;
  const ext = path.extname(base);
  for (const mapped of SOURCE_EXTENSIONS[ext] ?? []) {
    const candidate = base.slice(0, -ext.length) + mapped;
    if (files.kind(candidate) === "file") return candidate;
  }
  for (const extension of EXTENSIONS) {
    if (files.kind(base + extension) === "file") return base + extension;
  }
  if (files.kind(base) === "dir") {
    for (const extension of EXTENSIONS) {
      const index = path.join(base, `index${extension}`);
      if (files.kind(index) === "file") return index;
    }
  }
  return null;
}

/** What the resolution reads of a `package.json`. */
export interface Manifest {
  name?: string;
  version?: string;
  /** The raw fields that say which file a specifier means (for a linked package's code). */
  exports?: unknown;
  main?: string;
  module?: string;
}

export function readManifest(file: string): Manifest | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return null;
  }
  try {
    const json: unknown = JSON.parse(text);
    if (!json || typeof json !== "object") return null;
    const { name, version, exports, main, module } = json as {
      name?: unknown;
      version?: unknown;
      exports?: unknown;
      main?: unknown;
      module?: unknown;
    };
    return {
      ...(typeof name === "string" ? { name } : {}),
      ...(typeof version === "string" ? { version } : {}),
      ...(exports !== undefined && exports !== null ? { exports } : {}),
      ...(typeof main === "string" ? { main } : {}),
      ...(typeof module === "string" ? { module } : {}),
    };
  } catch (error) {
    if (!isJsonError(error)) throw error;
    return null;
  }
}
