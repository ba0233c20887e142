import { settingProblems } from "@cachephant/runtime/project";
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
  /**
   * Refused: the build fails. A private key never goes in a build's config;
   * the machines that write to the remote tier get it from
   * `CACHEPHANT_REMOTE_SIGNING_KEY` (docs/remote.md).
   */
  remoteSigningKey?: never;
}

export interface OptionsResolved {
  include: FilterPattern;
  exclude: FilterPattern;
  dir: string | undefined;
  maxSize: string | number | undefined;
  root: string;
}

/** The plugin's options, as `settingProblems` checks them. */
const OPTION_NAMES: readonly (keyof Options)[] = ["include", "exclude", "dir", "maxSize", "root", "remoteSigningKey"];
const filterPattern = (value: unknown) =>
  typeof value === "string" || value instanceof RegExp || Array.isArray(value)
    ? undefined
    : "expected a string, a RegExp or an array of them";
const OPTION_RULES = {
  include: filterPattern,
  exclude: filterPattern,
  root: (value: unknown) => (typeof value === "string" && value !== "" ? undefined : "expected a folder path"),
};

/**
 * The options with their defaults. An unknown option is one warning naming
 * the nearest valid one (the words `configure()` uses); a bad value fails
 * the build at once, where the developer sees it.
 * @throws PluginOptionsError on a bad value.
 */
export function resolveOptions(options: Options = {}, warn: (message: string) => void = warnOnStderr): OptionsResolved {
  const problems = settingProblems("cachephant", options, OPTION_NAMES, OPTION_RULES);
  for (const problem of problems) {
    if (!OPTION_NAMES.includes(problem.key as keyof Options)) warn(`${problem.message} It is ignored.`);
    else throw new PluginOptionsError(problem.message);
  }
  return {
    include: options.include ?? [/\.[cm]?[jt]sx?$/],
    exclude: options.exclude ?? [/[\\/]node_modules[\\/]/],
    dir: options.dir,
    maxSize: options.maxSize,
    root: options.root ?? process.cwd(),
  };
}

const warned = new Set<string>();

/** Once per message and process: a config file is read by every build of a watch. */
function warnOnStderr(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.stderr.write(`cachephant: ${message}\n`);
}
