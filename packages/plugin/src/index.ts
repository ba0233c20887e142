import { CachephantBuildError, createModuleGraph, DIRECTIVE_LIKE, transform, type ModuleGraph } from "@cachephant/core";
import { nearestPackageRoot, recordSettings } from "@cachephant/runtime/project";
import { createUnplugin, type UnpluginFactory, type UnpluginInstance } from "unplugin";
import { resolveOptions, type Options } from "./options.js";
import { esbuildTarget, viteTarget, type TargetPlatform } from "./platform.js";
import { addRuntimeExternal, esbuildFormatWarning } from "./bundler-output.js";
import { bundlerResolver } from "./resolver.js";
import { createRuntimeCheck, RUNTIME_MODULE } from "./runtime-check.js";

export type { Options, OptionsResolved } from "./options.js";
export { PluginOptionsError, RuntimeNotFoundError } from "./errors.js";

const RUNTIME_IMPORT = /^@cachephant\/runtime(?:\/.*)?$/;

const BROWSER_WARNING =
  '"use cache" is left inert in this browser build: the cache needs Node. ' +
  "Cached functions run uncached here; build for Node (Vite SSR, esbuild platform: \"node\") to cache them.";

export const unpluginFactory: UnpluginFactory<Options | undefined, false> = (rawOptions, meta) => {
  const options = resolveOptions(rawOptions);
  const checkRuntime = createRuntimeCheck();
  // esbuild tells its platform once per build; Vite tells per transform.
  let esbuildPlatform: TargetPlatform | undefined;
  let warnedBrowser = false;
  let viteCommand: "build" | "serve" | undefined;
  // Helper modules parsed once per build, however many cached modules import them.
  let graph: ModuleGraph = createModuleGraph();
  // Rollup, Rolldown, webpack and Rspack builds are taken as Node builds for now.
  const targetOf = (context: unknown, hookOptions: unknown): TargetPlatform =>
    meta.framework === "vite" ? viteTarget(context, hookOptions) : (esbuildPlatform ?? "node");

  return {
    name: "cachephant",
    enforce: "pre",

    buildStart() {
      warnedBrowser = false;
      graph = createModuleGraph();
      // The built program gets dir and maxSize in its code; `cachephant ls/prune`
      // and the api read them from this record under the project root.
      recordSettings(nearestPackageRoot(options.root) ?? options.root, { dir: options.dir, maxSize: options.maxSize });
    },

    // One copy of the runtime per process, loaded by Node from the project's
    // node_modules: never bundled, so its store state is shared with the
    // user's own `configure()` calls and its heavy parts load only when needed.
    resolveId: {
      filter: { id: RUNTIME_IMPORT },
      handler(id, _importer, ...rest: unknown[]) {
        // Vite's dev server (and Vitest) load packages through Node already,
        // and its module runner cannot load an id marked external here.
        if (viteCommand === "serve") return null;
        // webpack and Rspack take it from `externals` (see the hooks below).
        if (meta.framework === "webpack" || meta.framework === "rspack") return null;
        return targetOf(this, rest[0]) === "node" ? { id, external: true } : null;
      },
    },

    transform: {
      filter: {
        id: { include: options.include, exclude: options.exclude },
        // "use cache", and near misses of it ("use cahce"), which are warnings.
        code: DIRECTIVE_LIKE,
      },
      async handler(code, id, ...rest: unknown[]) {
        if (targetOf(this, rest[0]) === "browser") {
          if (!warnedBrowser) {
            warnedBrowser = true;
            this.warn(`${BROWSER_WARNING} First seen in ${id}.`);
          }
          return;
        }
        try {
          const result = await transform(code, id, {
            root: options.root,
            runtimeModule: RUNTIME_MODULE,
            dir: options.dir,
            maxSize: options.maxSize,
            resolve: bundlerResolver(this),
            graph,
          });
          if (!result) return;
          for (const warning of result.warnings) this.warn(warning.message);
          if (result.code === code) return;
          checkRuntime(id.replace(/[?#].*$/, ""));
          // Dev servers and watch builds transform this module again when a
          // file its hashes depend on changes, so they never run a stale hash.
          for (const file of result.dependencies) this.addWatchFile(file);
          return { code: result.code, map: result.map };
        } catch (error) {
          if (error instanceof CachephantBuildError) {
            // The message already starts with file:line:column and holds the
            // code frame; a separate `loc` would make bundlers print a second,
            // differently based position.
            this.error({ message: error.message, id, code: error.code });
          }
          throw error;
        }
      },
    },

    vite: {
      configResolved(config) {
        viteCommand = config.command;
      },
    },

    esbuild: {
      setup(build) {
        esbuildPlatform = esbuildTarget(build.initialOptions.platform);
        const formatWarning = esbuildFormatWarning(build.initialOptions);
        if (formatWarning !== undefined) build.onStart(() => ({ warnings: [{ text: formatWarning }] }));
      },
    },

    webpack: addRuntimeExternal,
    rspack: addRuntimeExternal,
  };
};

/** The Cachephant unplugin: `.vite()`, `.esbuild()`, `.rollup()`, `.rolldown()`, `.webpack()`, `.rspack()`. */
export const unplugin: UnpluginInstance<Options | undefined, false> = createUnplugin(unpluginFactory);

export default unplugin;
