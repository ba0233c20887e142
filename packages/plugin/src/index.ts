import { CachephantBuildError, createModuleGraph, planBuild, transform, type BuildPlan, type ModuleGraph } from "@cachephant/core";
import { createUnplugin, type UnpluginFactory, type UnpluginInstance } from "unplugin";
import { resolveOptions, type Options } from "./options.js";
import { esbuildTarget, viteTarget, type TargetPlatform } from "./platform.js";
import { bundlerResolver } from "./resolver.js";
import { fileFilter } from "./files.js";
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
  // The files this build rewrites: directive files, and the modules whose
  // changing bindings their cached functions read (known before any loads).
  let plan: BuildPlan | undefined;
  const warned = new Set<string>();
  const warnOnce = (context: { warn(message: string): void }, message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    context.warn(message);
  };
  // Rollup, Rolldown, webpack and Rspack builds are taken as Node builds for now.
  const targetOf = (context: unknown, hookOptions: unknown): TargetPlatform =>
    meta.framework === "vite" ? viteTarget(context, hookOptions) : (esbuildPlatform ?? "node");

  return {
    name: "cachephant",
    enforce: "pre",

    async buildStart() {
      warnedBrowser = false;
      warned.clear();
      graph = createModuleGraph();
      plan = await planBuild({
        root: options.root,
        include: fileFilter(options.include, options.exclude),
        resolve: bundlerResolver(this),
        graph,
      });
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
        return targetOf(this, rest[0]) === "node" ? { id, external: true } : null;
      },
    },

    transform: {
      // Not filtered on `use cache` in the code: a module whose changing
      // bindings a cached function reads needs its registration too.
      filter: {
        id: { include: options.include, exclude: options.exclude },
      },
      async handler(code, id, ...rest: unknown[]) {
        const file = id.replace(/[?#].*$/, "");
        if (!code.includes("use cache") && !plan?.stateFiles.has(file)) return;
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
            stateFiles: plan?.stateFiles,
          });
          if (!result) return;
          for (const stateFile of result.stateFiles) plan?.stateFiles.add(stateFile);
          for (const warning of result.warnings) warnOnce(this, warning.message);
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
      },
    },
  };
};

/** The Cachephant unplugin: `.vite()`, `.esbuild()`, `.rollup()`, `.rolldown()`, `.webpack()`, `.rspack()`. */
export const unplugin: UnpluginInstance<Options | undefined, false> = createUnplugin(unpluginFactory);

export default unplugin;
