/**
 * Resolved settings, one set for the built program, the api and the CLI.
 * Each setting: the environment first, then `configure()`, then the project's
 * settings (the plugin's options, carried by each call's meta and recorded by
 * the plugin under the project root; then a `"cachephant"` key in the
 * project's package.json), then the default. Read lazily on first use and kept
 * for the process; `configure()` makes the next use read again.
 *
 * A bad value never breaks a call: it is one warning, and the next source
 * decides (the CLI checks the environment first and exits 2 instead).
 */
import { ConfigError } from "./errors.js";
import { nearestPackageRoot, readPackageSettings, rootSearchStart } from "./project-root.js";
import { type ProjectSettings, readRecordedSettings, type RecordedSettings } from "./recorded-settings.js";
import {
  CONFIGURE_OPTIONS,
  type ConfigureOptions,
  type PluginSettings,
  resolveSettings,
  type Settings,
  type SettingsInputs,
  type Warn,
} from "./settings-sources.js";

export { DEFAULT_MAX_SIZE, DEFAULT_MEMORY_SIZE, resolveSettings } from "./settings-sources.js";
export type { ConfigureOptions, PluginSettings, Settings, SettingsInputs, Warn } from "./settings-sources.js";
import { settingProblems } from "./settings-check.js";
import { warnOnce } from "./warn.js";

let configured: ConfigureOptions = {};
let cached: { plugin: PluginSettings; settings: Settings } | undefined;
// The plugin's options from the last call, so api calls in the same process use the same store.
let lastPlugin: PluginSettings = {};
// Where the project root is looked up from (the CLI: its working directory).
let searchStart: string | undefined;
let project: ProjectInputs | undefined;

/** The project root and the settings it gives, read once per process. */
interface ProjectInputs {
  root: string;
  /** The plugin's options as its builds recorded them. */
  recorded: RecordedSettings;
  /** The `"cachephant"` key of the project's package.json. */
  manifest: ProjectSettings;
}

/**
 * Sets options for this process, merged over earlier calls (`undefined`
 * clears one). Takes effect on the next call of a cached function.
 * @throws ConfigError on a bad `maxSize` or `dir`.
 */
export function configure(options: ConfigureOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new ConfigError(
      `configure(${String(options)}): expected an object of settings, such as configure({ dir: ".cache/cachephant" }).`,
    );
  }
  const problems = settingProblems("configure", options, CONFIGURE_OPTIONS);
  if (problems.length > 0) throw new ConfigError(problems.map((problem) => problem.message).join(" "));
  const merged: Record<string, unknown> = { ...configured };
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  configured = merged;
  cached = undefined;
}

/**
 * The settings for a call whose meta carries the plugin's options, or for an
 * api call (no argument: the plugin's options of the last call, if any).
 * Never throws: bad values are warnings.
 */
export function settingsFor(plugin: PluginSettings = lastPlugin): Settings {
  // Fast path: every call of a build carries the same options.
  if (cached !== undefined && cached.plugin.dir === plugin.dir && cached.plugin.maxSize === plugin.maxSize) {
    return cached.settings;
  }
  project ??= readProject(searchStart ?? rootSearchStart(process.argv[1], process.cwd()));
  const settings = resolveSettings({ env: process.env, cwd: process.cwd(), configured, plugin, ...project }, warnOnce);
  cached = { plugin: { dir: plugin.dir, maxSize: plugin.maxSize }, settings };
  if (plugin !== lastPlugin) lastPlugin = { dir: plugin.dir, maxSize: plugin.maxSize };
  return settings;
}

/**
 * Looks the project root up from `dir` from now on, instead of from the
 * program's entry file (the CLI: the folder it runs in).
 */
export function findProjectFrom(dir: string): void {
  searchStart = dir;
  project = undefined;
  cached = undefined;
}

function readProject(start: string): ProjectInputs {
  const root = nearestPackageRoot(start) ?? start;
  const manifest = readPackageSettings(root, (message) => warnOnce(`package:${message}`, `${message} It is ignored.`));
  return { root, recorded: readRecordedSettings(root), manifest };
}

/**
 * The environment's bad values, as one error (the CLI exits 2 on it, where a
 * program would warn and go on).
 * @throws ConfigError naming the first bad variable and the format.
 */
export function checkEnvironment(env: SettingsInputs["env"] = process.env): void {
  const problems: string[] = [];
  const collect: Warn = (_id, message) => problems.push(message.replace(", so it is ignored", ""));
  resolveSettings({ env, cwd: "/", root: "/", configured: {}, plugin: {} }, collect);
  if (problems.length > 0) throw new ConfigError(problems[0]);
}

/** Forgets the project root and its settings (tests). */
export function resetProject(): void {
  searchStart = undefined;
  project = undefined;
  cached = undefined;
}
