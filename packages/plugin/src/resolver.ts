import { dirname, isAbsolute } from "node:path";
import { stripQuery } from "@cachephant/core/scan";
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
  if (native?.framework === "webpack" || native?.framework === "rspack") {
    return webpackResolver((native as { compiler?: WebpackLikeCompiler }).compiler);
  }
  const rollup = context as UnpluginBuildContext & RollupLikeContext;
  if (typeof rollup.resolve === "function") {
    const resolve = rollup.resolve.bind(rollup);
    return async (specifier, importer) => {
      const result = await resolve(specifier, importer, { skipSelf: true });
      if (!result || result.external) return null;
      const file = stripQuery(result.id);
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

type ResolveCallback = (error: Error | null, result?: string | false) => void;

interface WebpackLikeCompiler {
  resolverFactory?: {
    get(
      type: string,
      options?: object,
    ): {
      resolve(context: object, path: string, request: string, resolveContext: object, callback: ResolveCallback): void;
    };
  };
}

const webpackResolvers = new WeakMap<object, Resolve | undefined>();

/**
 * webpack's and Rspack's resolver for ES imports (the compiler's
 * `resolve` options: aliases, `conditionNames`, `mainFields`, tsconfig
 * paths through Rspack's `tsConfig` or a resolve plugin), one per compiler.
 * Relative paths are left to the core's lookup, as with esbuild.
 */
export function webpackResolver(compiler: WebpackLikeCompiler | undefined): Resolve | undefined {
  if (!compiler || typeof compiler.resolverFactory?.get !== "function") return undefined;
  if (webpackResolvers.has(compiler)) return webpackResolvers.get(compiler);
  let resolver: ReturnType<NonNullable<WebpackLikeCompiler["resolverFactory"]>["get"]> | undefined;
  try {
    resolver = compiler.resolverFactory.get("normal", { dependencyType: "esm" });
  } catch {
    // catch-all: a compiler whose factory cannot make this resolver throws errors with no code to tell apart; the core's lookup resolves instead.
    resolver = undefined;
  }
  const resolve: Resolve | undefined =
    resolver &&
    ((specifier, importer) =>
      new Promise((done) => {
        if (isRelative(specifier)) return done(null);
        try {
          resolver.resolve({}, dirname(importer), specifier, {}, (error, result) => {
            const file = !error && typeof result === "string" ? stripQuery(result) : null;
            done(file !== null && isAbsolute(file) ? file : null);
          });
        } catch {
          // catch-all: as with the factory above, a request webpack cannot take goes to the core's lookup.
          done(null);
        }
      }));
  webpackResolvers.set(compiler, resolve);
  return resolve;
}

function isRelative(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === "..";
}
