/**
 * Packages: a file's package, a package's manifest and the entry its
 * `exports` (or `main`) map a subpath to.
 */
import path from "node:path";
import { stripQuery } from "../syntax/index.js";
import { FileSystemCache, type Manifest, resolvePath } from "./files.js";

export interface PackageInfo {
  name: string;
  version: string;
}

/**
 * The installed package `name` as `importer` sees it: the first
 * `<dir>/node_modules/<name>/package.json` walking up from the importer's
 * directory (Node's lookup, which pnpm's symlinked layout also satisfies).
 */
export function findPackage(
  name: string,
  importer: string,
  files: FileSystemCache,
): (PackageInfo & { dir: string; manifest: Manifest }) | null {
  let dir = path.dirname(stripQuery(importer));
  for (;;) {
    if (path.basename(dir) !== "node_modules") {
      const packageDir = path.join(dir, "node_modules", name);
      const manifest = files.manifest(path.join(packageDir, "package.json"));
      if (manifest)
        return { name: manifest.name ?? name, version: manifest.version ?? "unknown", dir: packageDir, manifest };
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

/** Conditions a linked package's `exports` are read with, for a Node import; `require` only where nothing else matches (a CommonJS-only package). */
const IMPORT_CONDITIONS = new Set(["import", "module", "node", "default"]);

const REQUIRE_CONDITIONS = new Set(["require", "node", "default"]);

/**
 * The file `subpath` (`""` or `/sub`) of a linked package at `dir` means:
 * its `exports` (conditions as Node imports it), else the path itself, its
 * `module`/`main` or index, with TypeScript's extension mapping. Null when
 * none resolves (the package then counts by its version, as before).
 */
export function packageEntry(dir: string, manifest: Manifest, subpath: string, files: FileSystemCache): string | null {
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
  const entries =
    typeof exports === "object" && exports !== null && !Array.isArray(exports) ? Object.entries(exports) : [];
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
      return target === null
        ? null
        : target.replaceAll("*", subpath.slice(prefix.length, subpath.length - suffix.length));
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
