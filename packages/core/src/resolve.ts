import { readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { stripQuery } from "./ids.js";

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
  private readonly manifests = new Map<string, { name?: string; version?: string } | null>();

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

  manifest(file: string): { name?: string; version?: string } | null {
    let found = this.manifests.get(file);
    if (found === undefined) {
      found = readManifest(file);
      this.manifests.set(file, found);
    }
    return found;
  }

  clear(): void {
    this.stats.clear();
    this.manifests.clear();
  }
}

function readManifest(file: string): { name?: string; version?: string } | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  try {
    const json: unknown = JSON.parse(text);
    if (!json || typeof json !== "object") return null;
    const { name, version } = json as { name?: unknown; version?: unknown };
    return {
      ...(typeof name === "string" ? { name } : {}),
      ...(typeof version === "string" ? { version } : {}),
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
export function findPackage(name: string, importer: string, files: FileSystemCache): PackageInfo | null {
  let dir = path.dirname(stripQuery(importer));
  for (;;) {
    if (path.basename(dir) !== "node_modules") {
      const manifest = files.manifest(path.join(dir, "node_modules", name, "package.json"));
      if (manifest) return { name: manifest.name ?? name, version: manifest.version ?? "unknown" };
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
    if (file && !file.startsWith("\0") && path.isAbsolute(file)) {
      if (isInNodeModules(file)) {
        const pkg = packageOfFile(file, files);
        if (pkg) return { kind: "package", ...pkg };
        // A file in node_modules without a package.json: by its code after all.
      }
      return { kind: "file", path: path.normalize(file) };
    }
  }

  if (isPathSpecifier(specifier)) {
    const file = resolvePath(specifier, importer, files);
    if (!file) return { kind: "unresolved" };
    if (isInNodeModules(file)) {
      const pkg = packageOfFile(file, files);
      if (pkg) return { kind: "package", ...pkg };
    }
    return { kind: "file", path: file };
  }

  const name = packageNameOf(specifier);
  const pkg = name ? findPackage(name, importer, files) : null;
  return pkg ? { kind: "package", ...pkg } : { kind: "unresolved" };
}
