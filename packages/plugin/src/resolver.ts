import { dirname, isAbsolute } from "node:path";
import type { PluginBuild } from "esbuild";
import type { UnpluginBuildContext } from "unplugin";

/** Resolves an import the way the bundler does: an absolute file path, or null. */
export type Resolve = (specifier: string, importer: string) => Promise<string | null>;

interface RollupLikeContext {
  resolve?: (
    source: string,
    importer?: string,
    options?: { skipSelf?: boolean },
  ) => Promise<{ id: string; external?: boolean | "absolute" | "relative" } | null>;
}

/**
 * The bundler's own resolver for the hook context at hand, so path aliases,
 * `resolve.alias`, tsconfig paths and conditions resolve as in the build.
 * Undefined where the bundler offers none; the core then falls back to Node's
 * resolution with TypeScript extension mapping.
 */
export function bundlerResolver(context: UnpluginBuildContext): Resolve | undefined {
  const native = context.getNativeBuildContext?.();
  if (native?.framework === "esbuild") return esbuildResolver(native.build);
  const rollup = context as UnpluginBuildContext & RollupLikeContext;
  if (typeof rollup.resolve === "function") {
    const resolve = rollup.resolve.bind(rollup);
    return async (specifier, importer) => {
      const result = await resolve(specifier, importer, { skipSelf: true });
      if (!result || result.external) return null;
      const file = result.id.replace(/[?#].*$/, "");
      return isAbsolute(file) ? file : null;
    };
  }
  return undefined;
}

/** esbuild's resolver (`build.resolve`), for packages, aliases and tsconfig paths. */
export function esbuildResolver(build: PluginBuild): Resolve {
  return async (specifier, importer) => {
    // Each build.resolve is a round trip to esbuild's process (~1 ms); a
    // relative path resolves the same through the core's own lookup, which
    // it falls back to when this returns null. Aliases, tsconfig paths and
    // packages still go to esbuild.
    if (isRelative(specifier)) return null;
    const result = await build.resolve(specifier, {
      kind: "import-statement",
      importer,
      resolveDir: dirname(importer),
    });
    return result.errors.length === 0 && !result.external && isAbsolute(result.path) ? result.path : null;
  };
}

function isRelative(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === "..";
}
