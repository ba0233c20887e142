/**
 * `preload = ["@cachephant/plugin/bun"]` in `bunfig.toml`: caches "use cache"
 * functions in the files Bun runs directly, without a bundler, by rewriting
 * each project module that contains the directive as Bun loads it (a Bun
 * runtime plugin). Settings come from the environment and `configure()`.
 */
import { readFile } from "node:fs/promises";
import type { ModuleGraph } from "@cachephant/core";
import { coreDir, loadCore } from "./core.js";
import { createRuntimeCheck, RUNTIME_MODULE } from "./runtime-check.js";

/** The part of Bun's plugin API this entry uses (the package does not depend on Bun's types). */
interface BunPluginBuilder {
  onLoad(
    options: { filter: RegExp },
    callback: (args: { path: string }) => Promise<{ contents: string; loader: string }>,
  ): void;
}
interface BunGlobal {
  plugin(plugin: { name: string; setup(builder: BunPluginBuilder): void }): void;
}

const bun = (globalThis as { Bun?: BunGlobal }).Bun;
if (bun === undefined) {
  throw new Error(
    '@cachephant/plugin/bun is a Bun runtime plugin: list it in bunfig.toml (preload = ["@cachephant/plugin/bun"]) and run the program with bun. Under Node, use node --import @cachephant/plugin/register.',
  );
}

// Bun's loader for what the rewrite returns: the same language as the file.
const LOADERS: Readonly<Record<string, string>> = {
  ts: "ts",
  mts: "ts",
  cts: "ts",
  tsx: "tsx",
  js: "js",
  mjs: "js",
  cjs: "js",
  jsx: "jsx",
};
// Helper modules parsed once per process (the cache is keyed by content);
// the core loads with the first module that has a directive.
let graph: ModuleGraph | undefined;
const checkRuntime = createRuntimeCheck();
// The core's own files load through this plugin too (see coreDir).
const CORE_DIR = coreDir();

bun.plugin({
  name: "cachephant",
  setup(builder) {
    // Packages never: the filter is the only way to keep Bun from calling back for them.
    builder.onLoad({ filter: /^(?!.*[\\/]node_modules[\\/]).*\.[cm]?[jt]sx?$/ }, async ({ path }) => {
      const loader = LOADERS[path.slice(path.lastIndexOf(".") + 1)] ?? "js";
      const source = await readFile(path, "utf8");
      // Bun 1.4 expects contents from a runtime plugin's onLoad (undefined fails the import).
      if (!source.includes("use cache") || path.startsWith(CORE_DIR)) return { contents: source, loader };
      const { createModuleGraph, transform } = await loadCore();
      const result = await transform(source, path, {
        runtimeModule: RUNTIME_MODULE,
        graph: (graph ??= createModuleGraph()),
      });
      if (!result) return { contents: source, loader };
      checkRuntime(path);
      const map = Buffer.from(JSON.stringify(result.map)).toString("base64");
      return { contents: `${result.code}\n//# sourceMappingURL=data:application/json;base64,${map}\n`, loader };
    });
  },
});
