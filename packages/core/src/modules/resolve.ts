import { readFileSync, realpathSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { stripQuery } from "../syntax/index.js";

/**
 * The bundler's resolver: the absolute path of the file `specifier` means in
 * `importer`, or null/undefined when it cannot resolve it (or resolves it to a
 * virtual module).
 */
export type Resolver = (specifier: string, importer: string) => Promise<string | null | undefined>;

/** What an import specifier refers to, as far as the key is concerned. */
export type Resolution =
  /** A file of the project (not inside `node_modules`): hashed by its code. */
  | { kind: "file"; path: string }
  /** An installed package: hashed by name and version. */
  | { kind: "package"; name: string; version: string }
  /** A Node built-in (`node:fs`, `path`): by name. */
  | { kind: "builtin"; name: string }
  /** Nothing we can find: hashed by the specifier. */
  | { kind: "unresolved" };

export interface PackageInfo {
  name: string;
  version: string;
}

/** Where `import`s of JavaScript files may point at TypeScript sources (TypeScript's own mapping). */
const SOURCE_EXTENSIONS: Readonly<Record<string, readonly string[]>> = {
  ".js": [".ts", ".tsx"],
  ".jsx": [".tsx"],
  ".mjs": [".mts"],
  ".cjs": [".cts"],
};

/** Tried in this order for `./x` and `./dir/index`. */
const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json"];

/** Whether a specifier names a path rather than a package: `./x`, `../x`, `/abs/x`. */
export function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === ".." || path.isAbsolute(specifier);
}

/** `node:fs`, `fs`, `fs/promises`: a Node built-in (by name; never a file). */
export function builtinName(specifier: string): string | undefined {
  if (specifier.startsWith("node:")) return specifier;
  return isBuiltin(specifier) ? `node:${specifier}` : undefined;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; undefined for a path. */
export function packageNameOf(specifier: string): string | undefined {
  if (isPathSpecifier(specifier) || specifier === "") return undefined;
  const parts = specifier.split("/");
  if (specifier.startsWith("@")) return parts.length >= 2 && parts[1] ? `${parts[0]}/${parts[1]}` : undefined;
  return parts[0] || undefined;
}

/** Whether a path is inside a `node_modules` folder (an installed package, not project code). */
export function isInNodeModules(file: string): boolean {
  return file.split(/[\\/]/).includes("node_modules");
}

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
      } catch {
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
      } catch {
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

/** What the resolution reads of a `package.json`. */
interface Manifest {
  name?: string;
  version?: string;
  /** The raw fields that say which file a specifier means (for a linked package's code). */
  exports?: unknown;
  main?: string;
  module?: string;
}

function readManifest(file: string): Manifest | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  try {
    const json: unknown = JSON.parse(text);
    if (!json || typeof json !== "object") return null;
    const { name, version, exports, main, module } = json as { name?: unknown; version?: unknown; exports?: unknown; main?: unknown; module?: unknown };
    return {
      ...(typeof name === "string" ? { name } : {}),
      ...(typeof version === "string" ? { version } : {}),
      ...(exports !== undefined && exports !== null ? { exports } : {}),
      ...(typeof main === "string" ? { main } : {}),
      ...(typeof module === "string" ? { module } : {}),
    };
  } catch {
    return null;
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
  if ((files.kind(base)) === "file") return base;
  const ext = path.extname(base);
  for (const mapped of SOURCE_EXTENSIONS[ext] ?? []) {
    const candidate = base.slice(0, -ext.length) + mapped;
    if ((files.kind(candidate)) === "file") return candidate;
  }
  for (const extension of EXTENSIONS) {
    if ((files.kind(base + extension)) === "file") return base + extension;
  }
  if ((files.kind(base)) === "dir") {
    for (const extension of EXTENSIONS) {
      const index = path.join(base, `index${extension}`);
      if ((files.kind(index)) === "file") return index;
    }
  }
  return null;
}

/**
 * The installed package `name` as `importer` sees it: the first
 * `<dir>/node_modules/<name>/package.json` walking up from the importer's
 * directory (Node's lookup, which pnpm's symlinked layout also satisfies).
 */
export function findPackage(name: string, importer: string, files: FileSystemCache): (PackageInfo & { dir: string; manifest: Manifest }) | null {
  let dir = path.dirname(stripQuery(importer));
  for (;;) {
    if (path.basename(dir) !== "node_modules") {
      const packageDir = path.join(dir, "node_modules", name);
      const manifest = files.manifest(path.join(packageDir, "package.json"));
      if (manifest) return { name: manifest.name ?? name, version: manifest.version ?? "unknown", dir: packageDir, manifest };
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The package a file inside `node_modules` belongs to: the nearest `package.json` with a `name`. */
export function packageOfFile(file: string, files: FileSystemCache): PackageInfo | null {
  let dir = path.dirname(file);
  for (;;) {
    const manifest = files.manifest(path.join(dir, "package.json"));
    if (manifest?.name) return { name: manifest.name, version: manifest.version ?? "unknown" };
    const parent = path.dirname(dir);
    if (parent === dir || path.basename(dir) === "node_modules") return null;
    dir = parent;
  }
}

/**
 * What `specifier` imported by `importer` is: built-ins by name; then the
 * bundler's resolver when there is one (a file inside `node_modules` is a
 * package, any other file is project code, an alias included); then, for a
 * path, Node-style resolution with TypeScript extensions; for a bare name,
 * the package found in `node_modules` folders above the importer.
 */
export async function resolveSpecifier(
  specifier: string,
  importer: string,
  resolver: Resolver | undefined,
  files: FileSystemCache,
): Promise<Resolution> {
  const builtin = builtinName(specifier);
  if (builtin) return { kind: "builtin", name: builtin };

  if (resolver) {
    let resolved: string | null | undefined;
    try {
      resolved = await resolver(specifier, stripQuery(importer));
    } catch {
      resolved = null; // a resolver that throws for a helper must not fail the build
    }
    const file = resolved ? stripQuery(resolved) : null;
    if (file && !file.startsWith("\0") && path.isAbsolute(file)) return fileResolution(path.normalize(file), files);
  }

  if (isPathSpecifier(specifier)) {
    const file = resolvePath(specifier, importer, files);
    return file ? fileResolution(file, files) : { kind: "unresolved" };
  }

  const name = packageNameOf(specifier);
  const pkg = name ? findPackage(name, importer, files) : null;
  if (!pkg) return { kind: "unresolved" };
  // A workspace or linked package (`file:`, `link:`, a pnpm workspace):
  // symlinked into node_modules from a folder outside any, it is project
  // code, counted by its code and not its version.
  const real = files.realpath(pkg.dir);
  if (real !== null && !isInNodeModules(real)) {
    const entry = packageEntry(real, pkg.manifest, specifier.slice(name!.length), files);
    if (entry) return { kind: "file", path: entry };
  }
  return { kind: "package", name: pkg.name, version: pkg.version };
}

/**
 * A file found on disk: inside `node_modules`, its package (by the nearest
 * `package.json` with a name), unless its real path is outside any
 * `node_modules` (a linked package the resolver did not follow): then, like
 * any other file, project code.
 */
function fileResolution(file: string, files: FileSystemCache): Resolution {
  if (isInNodeModules(file)) {
    const real = files.realpath(file);
    if (real !== null && !isInNodeModules(real)) return { kind: "file", path: real };
    const pkg = packageOfFile(file, files);
    if (pkg) return { kind: "package", ...pkg };
    // A file in node_modules without a package.json: by its code after all.
  }
  return { kind: "file", path: file };
}

/** Conditions a linked package's `exports` are read with, for a Node import; `require` only where nothing else matches (a CommonJS-only package). */
const IMPORT_CONDITIONS = new Set(["import", "module", "node", "default"]);
const REQUIRE_CONDITIONS = new Set(["require", "node", "default"]);

/**
 * The file `subpath` (`""` or `/sub`) of a linked package at `dir` means:
 * its `exports` (conditions as Node imports it), else the path itself, its
 * `module`/`main` or index, with TypeScript's extension mapping. Null when
 * none resolves (the package then counts by its version, as before).
 */
function packageEntry(dir: string, manifest: Manifest, subpath: string, files: FileSystemCache): string | null {
  const importer = path.join(dir, "package.json");
  if (manifest.exports !== undefined) {
    const target = exportTarget(manifest.exports, `.${subpath}`);
    return typeof target === "string" && target.startsWith("./") ? resolvePath(target, importer, files) : null;
  }
  if (subpath !== "") return resolvePath(`.${subpath}`, importer, files);
  for (const field of [manifest.module, manifest.main]) {
    const found = field ? resolvePath(field.startsWith(".") ? field : `./${field}`, importer, files) : null;
    if (found) return found;
  }
  return resolvePath("./index", importer, files);
}

/** The target `exports` gives a subpath (`.`, `./x`): exact keys, then `*` patterns. */
function exportTarget(exports: unknown, subpath: string): string | null {
  const entries = typeof exports === "object" && exports !== null && !Array.isArray(exports) ? Object.entries(exports) : [];
  const bySubpath = entries.length > 0 && entries.every(([key]) => key.startsWith("."));
  if (!bySubpath) return subpath === "." ? conditionTarget(exports) : null;
  const map = Object.fromEntries(entries);
  if (subpath in map) return conditionTarget(map[subpath]);
  for (const [key, value] of entries) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      const target = conditionTarget(value);
      return target === null ? null : target.replaceAll("*", subpath.slice(prefix.length, subpath.length - suffix.length));
    }
  }
  return null;
}

/** A conditional target, read in the object's order, as Node does: an import's conditions, else a require's. */
function conditionTarget(value: unknown): string | null {
  return targetFor(value, IMPORT_CONDITIONS) ?? targetFor(value, REQUIRE_CONDITIONS);
}

function targetFor(value: unknown, conditions: ReadonlySet<string>): string | null {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = targetFor(item, conditions);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  for (const [condition, target] of Object.entries(value)) {
    if (!conditions.has(condition)) continue;
    const found = targetFor(target, conditions);
    if (found !== null) return found;
  }
  return null;
}
