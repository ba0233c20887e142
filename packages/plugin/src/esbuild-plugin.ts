import { realpathSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, extname, isAbsolute, resolve } from "node:path";
import type { Loader, Message, OnLoadResult, Plugin, PluginBuild } from "esbuild";
import { CachephantBuildError } from "@cachephant/core/scan";
import { esbuildMessage, warningText } from "./bundler-messages.js";
import { esbuildFormatWarning } from "./bundler-output.js";
import { ABSENT, hasErrorCode } from "@cachephant/core/scan";
import { createIdFilter } from "./id-filter.js";
import { createInstance, type PluginInstance } from "./instance.js";
import type { ModuleTransformer } from "./module-transformer.js";
import type { Options } from "./options.js";
import { BROWSER_WARNING, esbuildTarget } from "./platform.js";
import { esbuildResolveSettings, stableText } from "./resolution/index.js";
import { esbuildResolver, type Resolve } from "./resolver.js";
import { planStateFiles } from "./plan.js";
import { RewriteSet, scanRecordName } from "./rewrite-set.js";
import { RUNTIME_IMPORT } from "./runtime-check.js";

const LOADERS: Record<string, Loader> = {
  ".ts": "ts",
  ".mts": "ts",
  ".cts": "ts",
  ".tsx": "tsx",
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".jsx": "jsx",
};

/**
 * The plugin on esbuild's own API. A module reaches JavaScript only when it
 * needs a rewrite: the `onLoad` filter matches exactly the files a scan of
 * the project found with a directive at setup, so esbuild loads every other
 * module natively; `@cachephant/runtime` is resolved by a filter on the
 * specifier alone. Each rebuild scans again (reading only files whose size
 * or time changed) and tells the module graph which files changed.
 *
 * `@cachephant/plugin/esbuild` is built without unplugin (whose import would
 * cost every build process for nothing).
 */
export function esbuildPlugin(rawOptions?: Options): Plugin {
  const instance = createInstance(rawOptions, "esbuild");
  return {
    name: "cachephant",
    setup(build) {
      const { disagreement } = instance.record();
      if (disagreement !== undefined) build.onStart(() => ({ warnings: [{ text: disagreement }] }));
      const formatWarning = esbuildFormatWarning(build.initialOptions);
      if (formatWarning !== undefined) build.onStart(() => ({ warnings: [{ text: formatWarning }] }));
      return setupEsbuild(build, instance);
    },
  };
}

async function setupEsbuild(build: PluginBuild, instance: PluginInstance): Promise<void> {
  const { options, transformer, checkRuntime } = instance;
  // A plugin instance may serve several builds (a script calling build()
  // again after edits): nothing read before this one is trusted.
  transformer.reset();
  const platform = esbuildTarget(build.initialOptions.platform);
  const root = resolve(build.initialOptions.absWorkingDir ?? process.cwd(), options.root);
  const { outdir, outfile, absWorkingDir } = build.initialOptions;
  const outputs = [outdir, outfile].filter((output): output is string => output !== undefined);
  const include = createIdFilter(options.include, options.exclude);
  const rewrites = new RewriteSet(
    root,
    include,
    outputs.map((output) => resolve(absWorkingDir ?? process.cwd(), output)),
  );
  // The previous build's scan, so files unchanged since are not read again.
  const scanName = scanRecordName(root, options.include, options.exclude);
  const compared = rewrites.restore(transformer.readExtra(scanName));
  // esbuild loads only the files with a directive: the others changed since are noted here.
  const scanned = (changed: readonly string[], compared: boolean) => {
    transformer.projectScanned(rewrites.signatures(), changed, compared);
    if (changed.length === 0) return;
    transformer.writeExtra(scanName, rewrites.snapshot());
    const rewritten = new Set(rewrites.files());
    for (const file of changed) if (!rewritten.has(file)) transformer.noDirective(file);
  };
  scanned(rewrites.scan(), compared);
  // What decides where imports resolve (aliases, tsconfig, conditions, the
  // lockfile): remembered results and the plan are keyed by it.
  let settingsSeen = "";
  const useResolution = () => {
    const { tsconfig } = build.initialOptions;
    const tsconfigs =
      tsconfig === undefined
        ? rewrites.tsconfigFiles
        : [...rewrites.tsconfigFiles, resolve(absWorkingDir ?? process.cwd(), tsconfig)];
    const settings = esbuildResolveSettings(build.initialOptions);
    settingsSeen = stableText(settings);
    return transformer.useResolution(root, settings, tsconfigs);
  };
  useResolution();
  // Modules holding state that cached functions read need a rewrite too, and
  // the filter below is fixed now. esbuild's resolver cannot be called during
  // setup: the plan resolves imports Node's way (a state module reached
  // only through an alias is missed here: its readers run uncached with a
  // warning, never stale), and onStart checks its bare specifiers against
  // esbuild's resolver before its analysis is reused.
  const plannedNow = await planStateFiles(transformer, rewrites, root, include, undefined);
  const filtered = new Set(rewrites.files());
  const resolveImport = esbuildResolver(build);
  let builds = 0;
  let warnedBrowser = false;

  // Files already handed to esbuild's watcher this build: each once, not once per module that depends on it.
  const watched = new Set<string>();

  build.onStart(async () => {
    warnedBrowser = false;
    watched.clear();
    if (builds++ === 0) {
      // A plugin set up after this one may have changed the resolve
      // settings: then nothing analysed so far is used.
      if (stableText(esbuildResolveSettings(build.initialOptions)) !== settingsSeen && useResolution()) return;
      // esbuild's resolver can be called now: where it maps a bare
      // specifier elsewhere than the plan did (an alias, tsconfig paths),
      // the plan's analysis is dropped and each module is analysed again
      // with esbuild's resolver.
      if (plannedNow && (await resolvesDifferently(transformer, resolveImport))) {
        transformer.invalidate();
        transformer.forgetPlanned();
      }
      return;
    }
    // A rebuild (watch mode, context.rebuild()): what changed since the last one.
    const changed = rewrites.scan();
    for (const file of changed) transformer.invalidate(file);
    scanned(changed, true);
    // A tsconfig or the lockfile edited while watching.
    useResolution();
    const missed = rewrites.files().filter((file) => !filtered.has(file));
    if (missed.length === 0) return;
    return {
      warnings: missed.map((file): Partial<Message> => ({
        text:
          `${file} has a "use cache" directive since this build started watching; its functions run uncached ` +
          "until esbuild is started again (its plugin filters are fixed at start).",
      })),
    };
  });

  build.onEnd(() => transformer.finish());

  build.onResolve({ filter: RUNTIME_IMPORT }, (args) =>
    platform === "node" ? { path: args.path, external: true } : undefined,
  );

  build.onLoad({ filter: rewrites.loadFilter() }, async (args): Promise<OnLoadResult | undefined> => {
    const file = args.path;
    if (platform === "browser") {
      if (warnedBrowser) return undefined;
      warnedBrowser = true;
      return {
        contents: await readFile(file),
        loader: loaderOf(build, file),
        warnings: [{ text: `${BROWSER_WARNING} First seen in ${file}.` }],
      };
    }
    const code = await readFile(file, "utf8");
    try {
      const result = await transformer.transform(code, file, resolveImport);
      if (!result) return { contents: code, loader: loaderOf(build, file) };
      const warnings = result.warnings.map((warning): Partial<Message> => ({ text: warningText(warning) }));
      // Only warnings (a near-miss directive): the module stays as it is.
      if (result.code === code) return { contents: code, loader: loaderOf(build, file), warnings };
      checkRuntime(file);
      for (const dependency of result.dependencies) rewrites.track(dependency);
      const map = Buffer.from(JSON.stringify(result.map)).toString("base64");
      return {
        contents: `${result.code}\n//# sourceMappingURL=data:application/json;base64,${map}\n`,
        loader: loaderOf(build, file),
        warnings,
        resolveDir: dirname(file),
        // Rebuild in watch mode when a file the hashes depend on changes.
        watchFiles: result.dependencies.filter(
          (dependency) => isAbsolute(dependency) && !watched.has(dependency) && watched.add(dependency),
        ),
      };
    } catch (error) {
      if (error instanceof CachephantBuildError) {
        return { errors: [esbuildMessage(error)] };
      }
      throw error;
    }
  });
}

/** Whether esbuild resolves a bare specifier the plan resolved to another place (a project file, or none). */
async function resolvesDifferently(transformer: ModuleTransformer, resolveImport: Resolve): Promise<boolean> {
  const resolutions = await transformer.bareResolutions();
  const verdicts = await Promise.all(
    resolutions.map(async ({ specifier, importer, file }) => {
      const found = await resolveImport(specifier, importer);
      return projectFileOf(found) !== file;
    }),
  );
  return verdicts.some(Boolean);
}

const IN_NODE_MODULES = /[\\/]node_modules[\\/]/;

/** A resolved file as the core counts it: project code (a linked package by its real path), or null for a package. */
function projectFileOf(found: string | null): string | null {
  if (found === null || !IN_NODE_MODULES.test(found)) return found;
  try {
    const real = realpathSync(found);
    return IN_NODE_MODULES.test(real) ? null : real;
  } catch (error) {
    // Gone since esbuild resolved it, or a broken link: a package's file as far as the plan can tell.
    if (!hasErrorCode(error, [...ABSENT, "ELOOP", "EACCES"])) throw error;
    return null;
  }
}

function loaderOf(build: PluginBuild, file: string): Loader {
  const extension = extname(file);
  return build.initialOptions.loader?.[extension] ?? LOADERS[extension] ?? "default";
}
