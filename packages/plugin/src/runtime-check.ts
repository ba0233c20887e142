import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { RuntimeNotFoundError } from "./errors.js";

export const RUNTIME_MODULE = "@cachephant/runtime";
/** The runtime and its subpath imports, as a bundler's resolve filter. */
export const RUNTIME_IMPORT = /^@cachephant\/runtime(?:\/.*)?$/;

/**
 * The rewritten code imports `@cachephant/runtime` by its bare name, so that
 * a bundler that leaves packages external, and Node at run time, find the
 * user's own install (one copy shared with `configure()` calls). Under pnpm's
 * strict layout that works only when the project depends on it directly:
 * check once per folder and say how to fix it, instead of letting the bundler
 * fail later with a bare "could not resolve".
 */
export function createRuntimeCheck(): (file: string) => void {
  const found = new Set<string>();
  return (file) => {
    const folder = dirname(file);
    if (found.has(folder)) return;
    if (!runtimeVisibleFrom(folder)) {
      throw new RuntimeNotFoundError(
        `${file}: uses "use cache", but ${RUNTIME_MODULE} cannot be resolved from it. ` +
          `Add it to the project's dependencies: npm install ${RUNTIME_MODULE} (or pnpm add ${RUNTIME_MODULE}).`,
      );
    }
    found.add(folder);
  };
}

/**
 * Node's package lookup, as ESM imports and bundlers do it: the nearest
 * `node_modules/<name>` at or above the folder (NODE_PATH plays no part).
 */
function runtimeVisibleFrom(folder: string): boolean {
  for (let dir = folder; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules", RUNTIME_MODULE, "package.json"))) return true;
    if (dirname(dir) === dir) return false;
  }
}
