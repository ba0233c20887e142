/** Each bundler's resolve settings: the part of its options that says where an import goes. */
import { resolve } from "node:path";
import type { BuildOptions } from "esbuild";

/** The resolve settings of an esbuild build (`build.initialOptions`), and nothing else of it. */
export function esbuildResolveSettings(options: BuildOptions): Record<string, unknown> {
  const {
    alias,
    conditions,
    mainFields,
    resolveExtensions,
    nodePaths,
    tsconfig,
    tsconfigRaw,
    preserveSymlinks,
    platform,
    packages,
    external,
    absWorkingDir,
  } = options;
  return {
    bundler: "esbuild",
    alias,
    conditions,
    mainFields,
    resolveExtensions,
    nodePaths,
    tsconfig: tsconfig === undefined ? undefined : resolve(absWorkingDir ?? process.cwd(), tsconfig),
    tsconfigRaw,
    preserveSymlinks,
    platform,
    packages,
    external,
  };
}

interface ViteLikeConfig {
  resolve?: unknown;
  environments?: Record<string, { resolve?: unknown }>;
  ssr?: { resolve?: unknown; noExternal?: unknown; external?: unknown };
}

/** The resolve settings of Vite's resolved config (after every plugin's `config` hook), each environment's included. */
export function viteResolveSettings(config: ViteLikeConfig): Record<string, unknown> {
  const environments = Object.entries(config.environments ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, environment]) => [name, environment?.resolve]);
  return {
    bundler: "vite",
    resolve: config.resolve,
    environments,
    ssr: config.ssr
      ? { resolve: config.ssr.resolve, noExternal: config.ssr.noExternal, external: config.ssr.external }
      : undefined,
  };
}

/** Rollup's and Rolldown's input options: Rolldown's `resolve` and `tsconfig` (Rollup's resolution lives in plugins). */
export function rollupResolveSettings(
  bundler: string,
  options: { resolve?: unknown; tsconfig?: unknown },
): Record<string, unknown> {
  return { bundler, resolve: options.resolve, tsconfig: options.tsconfig };
}

/** The `resolve` options of webpack and Rspack that say where a request goes (not its caches or file system). */
const WEBPACK_RESOLVE_OPTIONS = [
  "alias",
  "aliasFields",
  "byDependency",
  "conditionNames",
  "descriptionFiles",
  "enforceExtension",
  "exportsFields",
  "extensionAlias",
  "extensions",
  "fallback",
  "fullySpecified",
  "importsFields",
  "mainFields",
  "mainFiles",
  "modules",
  "preferAbsolute",
  "preferRelative",
  "restrictions",
  "roots",
  "symlinks",
  "tsConfig",
];

/**
 * webpack's and Rspack's `resolve` options (from the compiler, defaults
 * applied): those that say where a request goes, and resolve plugins by
 * class name and `options` (their own caches fill up as a watch build runs).
 */
export function webpackResolveSettings(bundler: string, options: { resolve?: unknown }): Record<string, unknown> {
  const resolveOptions = (options.resolve ?? {}) as Record<string, unknown>;
  const picked = Object.fromEntries(WEBPACK_RESOLVE_OPTIONS.map((name) => [name, resolveOptions[name]]));
  const plugins = Array.isArray(resolveOptions.plugins)
    ? resolveOptions.plugins.map((plugin: unknown) =>
        typeof plugin === "function"
          ? plugin
          : {
              name: (plugin as { constructor?: { name?: string } } | null)?.constructor?.name,
              options: (plugin as { options?: unknown } | null)?.options,
            },
      )
    : undefined;
  return { bundler, resolve: picked, plugins };
}
