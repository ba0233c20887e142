import { relative, resolve } from "node:path";
import { CachephantBuildError, DIRECTIVE_LIKE, stripQuery } from "@cachephant/core/scan";
import { createUnplugin, type UnpluginFactory, type UnpluginInstance } from "unplugin";
import { buildErrorWithoutStack, warningText } from "./bundler-messages.js";
import { addRuntimeExternal } from "./bundler-output.js";
import { esbuildPlugin } from "./esbuild-plugin.js";
import { createIdFilter } from "./id-filter.js";
import { planStateFiles } from "./plan.js";
import { RewriteSet, scanRecordName } from "./rewrite-set.js";
import { createInstance } from "./instance.js";
import type { Options } from "./options.js";
import { BROWSER_WARNING, viteTarget, type TargetPlatform } from "./platform.js";
import { rollupResolveSettings, viteResolveSettings, webpackResolveSettings } from "./resolution/index.js";
import { bundlerResolver } from "./resolver.js";
import { RUNTIME_IMPORT } from "./runtime-check.js";

export type { Options, OptionsResolved } from "./options.js";
export { PluginOptionsError, RuntimeNotFoundError } from "./errors.js";

export const unpluginFactory: UnpluginFactory<Options | undefined, false> = (rawOptions, meta) => {
  // esbuild runs on its own API: the same plugin as `@cachephant/plugin/esbuild`.
  if (meta.framework === "esbuild") return { name: "cachephant", esbuild: { setup: esbuildPlugin(rawOptions).setup } };
  const { options, transformer, checkRuntime, record } = createInstance(rawOptions, meta.framework);

  let warnedBrowser = false;
  // A warning about a helper reached from several modules is said once a build.
  const warned = new Set<string>();
  const warnOnce = (context: { warn(message: string): void }, message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    context.warn(message);
  };
  const root = resolve(options.root);
  const include = createIdFilter(options.include, options.exclude);
  let viteCommand: "build" | "serve" | undefined;
  // The bundler's output folder, left out of the scan (Vite says it; other bundlers say it too late).
  const outputs: string[] = [];
  let devServer: DevServerModules | undefined;
  // Rollup, Rolldown, webpack and Rspack builds are taken as Node builds for now.
  const targetOf = (context: unknown, hookOptions: unknown): TargetPlatform =>
    meta.framework === "vite" ? viteTarget(context, hookOptions) : "node";
  // The bundler's resolve settings (aliases, conditions, tsconfig options),
  // as it resolved them: part of what remembered results are keyed by.
  let resolveSettings: () => unknown = () => ({ bundler: meta.framework });

  return {
    name: "cachephant",
    enforce: "pre",

    async buildStart() {
      warnedBrowser = false;
      warned.clear();
      const { disagreement } = record();
      if (disagreement !== undefined) {
        // Rollup, Rolldown and Vite give buildStart a warn(); webpack and Rspack do not.
        const context = this as Partial<{ warn(message: string): void }>;
        if (typeof context.warn === "function") context.warn(disagreement);
        else console.warn(`cachephant: ${disagreement}`);
      }
      // Without a watcher nobody reports changes between builds: trust
      // nothing from an earlier one. Watch mode and dev servers keep the
      // graph and report changes through watchChange.
      if (watchMode(this) !== true) transformer.reset();
      // The modules holding state that cached functions read are rewritten
      // too; known now, before any module loads.
      const rewrites = new RewriteSet(root, include, outputs);
      const scanName = scanRecordName(root, options.include, options.exclude);
      const compared = rewrites.restore(transformer.readExtra(scanName));
      const changed = rewrites.scan();
      transformer.projectScanned(rewrites.signatures(), changed, compared);
      if (changed.length > 0) transformer.writeExtra(scanName, rewrites.snapshot());
      // What decides where imports resolve (see resolution/), before the plan.
      transformer.useResolution(root, resolveSettings(), rewrites.tsconfigFiles);
      await planStateFiles(transformer, rewrites, root, include, bundlerResolver(this));
    },

    watchChange(id, change) {
      const file = stripQuery(id);
      transformer.invalidate(file);
      // Vite's dev server: the modules whose hashes depend on the file (they do not watch it, see transform).
      if (devServer) invalidateInDevServer(devServer, transformer.dependents.dependentsOf(file));
      // A module edited to mutate another's exported data: results that counted it by code no longer hold.
      if (include(file) && !relative(root, file).startsWith("..")) {
        transformer.projectChanged(file, change.event !== "delete");
        // A dev server keeps transformed modules until their own files change: drop those.
        if (devServer) invalidateInDevServer(devServer, transformer.dependents.outdated());
      }
    },

    buildEnd() {
      transformer.finish();
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
        if (webpackLike(meta.framework)) return null;
        return targetOf(this, rest[0]) === "node" ? { id, external: true } : null;
      },
    },

    transform: {
      filter: {
        id: { include: options.include, exclude: options.exclude },
        // "use cache", near misses of it ("use cahce", warnings), and state
        // modules pass the check below.
        // No `code` filter: a module whose changing bindings a cached
        // function reads has no directive, and needs its registration.
      },
      async handler(code, id, ...rest: unknown[]) {
        if (!DIRECTIVE_LIKE.test(code)) {
          const file = stripQuery(id);
          transformer.noDirective(file);
          if (!transformer.stateFiles.has(file)) return;
        }
        if (targetOf(this, rest[0]) === "browser") {
          if (!warnedBrowser) {
            warnedBrowser = true;
            this.warn(`${BROWSER_WARNING} First seen in ${id}.`);
          }
          return;
        }
        try {
          const result = await transformer.transform(code, id, bundlerResolver(this));
          if (!result) return;
          for (const warning of result.warnings) warnOnce(this, warningText(warning));
          if (result.code === code) return;
          checkRuntime(stripQuery(id));
          // Dev servers and watch builds transform this module again when a
          // file its hashes depend on changes, so they never run a stale hash.
          // A one-shot Rollup-like build watches nothing (thousands of calls
          // into Rolldown for nothing in a deep project).
          if (watchMode(this) !== false) {
            // Vite's dev server watches the project itself and reports each
            // change (watchChange drops the modules whose hashes it touches):
            // a watch file per dependency would cost a module graph node
            // each, thousands on a first request in a deep project. Files
            // outside the root it does not watch.
            const watched = devServer
              ? result.dependencies.filter((file) => relative(root, file).startsWith(".."))
              : result.dependencies;
            for (const file of watched) this.addWatchFile(file);
            // webpack and Rspack transform a module again only when a file
            // it watches changes, and never ask first (Rollup asks through
            // shouldTransformCachedModule; Rolldown and Vite's dev server are
            // handled too). A module that counted exported data by code
            // watches every project file, so that one starting to mutate the
            // data brings it back here; the build cache answers at once
            // when the change touched none of its names.
            if (webpackLike(meta.framework) && transformer.dependents.countsOutside(id)) {
              for (const file of transformer.projectFiles()) this.addWatchFile(file);
            }
          }
          return { code: result.code, map: result.map };
        } catch (error) {
          if (error instanceof CachephantBuildError) {
            // The message already starts with file:line:column and holds the
            // code frame; a separate `loc` or `frame` would make bundlers
            // print a second, differently based copy.
            const reported = buildErrorWithoutStack(error, webpackLike(meta.framework) ? "webpack" : "rollup");
            // webpack's `this.error` only records the error (and would show it
            // twice with the throw): throw there, report elsewhere.
            if (webpackLike(meta.framework)) throw reported;
            this.error(reported);
          }
          throw error;
        }
      },
    },

    // A watch build reuses a module's transform while its file and watched files are unchanged.
    rollup: {
      options(inputOptions) {
        resolveSettings = () => rollupResolveSettings("rollup", inputOptions as { resolve?: unknown });
      },
      shouldTransformCachedModule({ id }) {
        // A module the plan now finds holding state needs its registration, though its file did not change.
        return transformer.dependents.isOutdated(id) || transformer.registeredAhead.has(stripQuery(id));
      },
    },

    rolldown: {
      options(inputOptions) {
        resolveSettings = () => rollupResolveSettings("rolldown", inputOptions);
      },
    },

    vite: {
      configureServer(server) {
        devServer = server;
      },
      // Vite's dev server: the modules whose hashes depend on the changed file
      // (or that counted exported data another module now mutates) are part
      // of the update, as if they imported the file: Vite sends them through
      // HMR to every module runner, past any module that accepts updates in
      // between. (watchChange already dropped their transforms, which is
      // enough for a server that loads modules again on each request.)
      hotUpdate(update) {
        // Browser code is never rewritten: its modules' updates stay Vite's own.
        if (viteTarget(this, undefined) === "browser") return;
        const file = stripQuery(update.file);
        const ids = [...new Set([...transformer.dependents.dependentsOf(file), ...transformer.dependents.outdated()])];
        if (ids.length === 0) return;
        const graph = this.environment.moduleGraph;
        const added = ids.flatMap((id) => {
          const module = graph.getModuleById(id);
          return module && !update.modules.includes(module) ? [module] : [];
        });
        return added.length > 0 ? [...update.modules, ...added] : undefined;
      },
      configResolved(config) {
        viteCommand = config.command;
        // After every plugin's `config` hook: the settings the build resolves with.
        resolveSettings = () => viteResolveSettings(config);
        outputs.splice(0, outputs.length, resolve(config.root, config.build.outDir));
      },
    },

    webpack(compiler) {
      addRuntimeExternal(compiler);
      // Read at each build start: webpack applies its defaults after plugins.
      resolveSettings = () => webpackResolveSettings("webpack", compiler.options);
    },
    rspack(compiler) {
      addRuntimeExternal(compiler);
      resolveSettings = () => webpackResolveSettings("rspack", compiler.options);
    },
  };
};

/** What the plugin uses of Vite's dev server (its types stay out of the plugin's own). */
interface DevServerModules {
  environments: Record<
    string,
    { moduleGraph: { getModuleById(id: string): object | undefined; invalidateModule(module: object): void } }
  >;
}

/** Makes Vite's dev server transform these modules again on their next request, in every environment. */
function invalidateInDevServer(server: DevServerModules, ids: readonly string[]): void {
  for (const environment of Object.values(server.environments)) {
    for (const id of ids) {
      const module = environment.moduleGraph.getModuleById(id);
      if (module) environment.moduleGraph.invalidateModule(module);
    }
  }
}

function webpackLike(framework: string): boolean {
  return framework === "webpack" || framework === "rspack";
}

/** Rollup-like bundlers say whether they watch (Vite's dev server does); webpack does not say. */
function watchMode(context: unknown): boolean | undefined {
  return (context as { meta?: { watchMode?: boolean } }).meta?.watchMode;
}

/** The Cachephant unplugin: `.vite()`, `.esbuild()`, `.rollup()`, `.rolldown()`, `.webpack()`, `.rspack()`. */
export const unplugin: UnpluginInstance<Options | undefined, false> = createUnplugin(unpluginFactory);

export default unplugin;
