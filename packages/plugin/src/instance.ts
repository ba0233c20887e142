/**
 * What one plugin instance holds, whichever bundler runs it: the resolved
 * options; one transformer (one module graph for the instance's life, told
 * about changes by the bundler, and results remembered across builds on
 * disk); the check that the project can load the runtime; and the record of
 * `dir` and `maxSize` under the project root, which `cachephant ls/prune`
 * and the API read.
 */
import { join } from "node:path";
import { nearestPackageRoot, recordSettings, type RecordOutcome } from "@cachephant/runtime/project";
import { BUILD_CACHE_DIR, ModuleTransformer } from "./module-transformer.js";
import { resolveOptions, type Options, type OptionsResolved } from "./options.js";
import { createRuntimeCheck, RUNTIME_MODULE } from "./runtime-check.js";

export interface PluginInstance {
  options: OptionsResolved;
  transformer: ModuleTransformer;
  checkRuntime: ReturnType<typeof createRuntimeCheck>;
  /**
   * Writes this build's record of its settings (at each build start), beside
   * other build tools' records; says when they disagree.
   */
  record: () => RecordOutcome;
}

/** `tool`: the bundler (`vite`, `esbuild`, `webpack`...), naming this build's settings record. */
export function createInstance(rawOptions: Options | undefined, tool: string): PluginInstance {
  const options = resolveOptions(rawOptions);
  const transformer = new ModuleTransformer({
    root: options.root,
    runtimeModule: RUNTIME_MODULE,
    dir: options.dir,
    maxSize: options.maxSize,
    cacheDir: join(options.root, BUILD_CACHE_DIR),
  });
  return {
    options,
    transformer,
    checkRuntime: createRuntimeCheck(),
    record: () =>
      recordSettings(nearestPackageRoot(options.root) ?? options.root, tool, {
        dir: options.dir,
        maxSize: options.maxSize,
      }),
  };
}
