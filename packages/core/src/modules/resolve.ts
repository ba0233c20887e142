import { isBuiltin } from "node:module";
import path from "node:path";
import { stripQuery } from "../syntax/index.js";
import { FileSystemCache, resolvePath } from "./files.js";
import { findPackage, packageEntry, packageOfFile } from "./packages.js";

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

/** Whether a specifier names a path rather than a package: `./x`, `../x`, `/abs/x`. */
export function isPathSpecifier(specifier: string): boolean {
  return (
    specifier.startsWith("./") ||
    specifier.startsWith("../") ||
    specifier === "." ||
    specifier === ".." ||
    path.isAbsolute(specifier)
  );
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
      // catch-all: the bundler's resolver may throw anything for a helper, which must not fail the build.
      resolved = null;
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
