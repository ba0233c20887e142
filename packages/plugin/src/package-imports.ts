/**
 * Which installed packages a module's output depends on: the package names
 * its text imports, and where Node finds each one's package.json. A
 * remembered result checks those manifests, so an upgrade of a package
 * analyses its importers again.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

// `from "x"`, `import "x"`, `import("x")`, `require("x")`.
const SPECIFIER = /(?:\bfrom|\bimport(?:\s*\()?|\brequire\s*\()\s*["']([^"'./][^"']*)["']/g;

/** Package names of the bare imports, re-exports, dynamic imports and requires in a module's text. */
export function importedPackages(code: string): Set<string> {
  const names = new Set<string>();
  for (const match of code.matchAll(SPECIFIER)) {
    const specifier = match[1]!;
    if (specifier.startsWith("node:")) continue;
    const parts = specifier.split("/");
    names.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
  }
  return names;
}

/** Node's lookup of a package's manifest, remembered until `clear()`. */
export class PackageManifests {
  private readonly found = new Map<string, string | null>();

  /** The nearest `node_modules/<name>/package.json` at or above `folder`, or null. */
  find(folder: string, name: string): string | null {
    const memo = `${folder}\0${name}`;
    let found = this.found.get(memo);
    if (found !== undefined) return found;
    found = null;
    for (let dir = folder; ; dir = dirname(dir)) {
      const candidate = join(dir, "node_modules", name, "package.json");
      if (existsSync(candidate)) {
        found = candidate;
        break;
      }
      if (dirname(dir) === dir) break;
    }
    this.found.set(memo, found);
    return found;
  }

  /** A package.json created or deleted may now be the nearest one for an import. */
  clear(): void {
    this.found.clear();
  }
}
