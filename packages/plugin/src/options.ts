import { parseSize, SIZE_FORMAT_HINT } from "@cachephant/runtime/units";
import type { FilterPattern } from "unplugin";
import { PluginOptionsError } from "./errors.js";

export interface Options {
  /**
   * Modules to look at. Only modules whose code contains `use cache` are
   * parsed, whatever this says.
   * @default [/\.[cm]?[jt]sx?$/]
   */
  include?: FilterPattern;
  /**
   * Modules never to look at.
   * @default [/[\\/]node_modules[\\/]/]
   */
  exclude?: FilterPattern;
  /**
   * Cache directory, relative to the project root (the nearest folder with a
   * package.json above the built program). The plugin records it (and
   * `maxSize`) under the project root, so `cachephant ls/prune/clear` run in
   * the project folder use the same store. `CACHEPHANT_DIR` and `configure()`
   * win over it.
   * @default "node_modules/.cache/cachephant"
   */
  dir?: string;
  /**
   * Size bound of the store (`"500MB"`, `"2GiB"` or bytes), least recently
   * used entries go first. `CACHEPHANT_MAX_SIZE` wins over it.
   * @default "1GB"
   */
  maxSize?: string | number;
  /**
   * Project root: cached functions are named by their file relative to it in
   * warnings, debug lines and `cachephant ls`.
   * @default process.cwd()
   */
  root?: string;
}

export interface OptionsResolved {
  include: FilterPattern;
  exclude: FilterPattern;
  dir: string | undefined;
  maxSize: string | number | undefined;
  root: string;
}

export function resolveOptions(options: Options = {}): OptionsResolved {
  if (options.maxSize !== undefined && parseSize(options.maxSize) === undefined) {
    throw new PluginOptionsError(
      `cachephant({ maxSize: ${JSON.stringify(options.maxSize)} }): not a size. Use ${SIZE_FORMAT_HINT}.`,
    );
  }
  if (options.dir !== undefined && (typeof options.dir !== "string" || options.dir === "")) {
    throw new PluginOptionsError(
      `cachephant({ dir: ${JSON.stringify(options.dir)} }): expected a folder path such as ".cache/cachephant".`,
    );
  }
  return {
    include: options.include ?? [/\.[cm]?[jt]sx?$/],
    exclude: options.exclude ?? [/[\\/]node_modules[\\/]/],
    dir: options.dir,
    maxSize: options.maxSize,
    root: options.root ?? process.cwd(),
  };
}
