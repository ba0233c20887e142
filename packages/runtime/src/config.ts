/**
 * Resolved settings: environment first, then `configure()`, then the plugin's
 * options (passed in each call's meta), then defaults. Read lazily on first
 * use and kept for the process; `configure()` makes the next use read again.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "./errors.js";
import { resolveRemote, type RemoteSettings } from "./remote/settings.js"; // remote tier (docs/remote.md)
import { parseSize, SIZE_FORMAT_HINT } from "./units.js";

/** Options of `configure()`. Each wins over the plugin's option and loses to the environment. */
export interface ConfigureOptions {
  /** Cache directory, relative to the working directory. `CACHEPHANT_DIR` wins over it. */
  dir?: string;
  /** Size bound of the store (`"500MB"`, `"2GiB"` or bytes). `CACHEPHANT_MAX_SIZE` wins over it. */
  maxSize?: string | number;
  /** `false` runs every cached function uncached. `CACHEPHANT=off` wins over it. */
  enabled?: boolean;
  /** Print one line per call to stderr. `CACHEPHANT_DEBUG` wins over it. */
  debug?: boolean;
  /** Remote tier: a `redis://` or `rediss://` URL shared by a team (docs/remote.md). `CACHEPHANT_REMOTE` wins over it. */
  remote?: string;
}

export interface Settings {
  readonly enabled: boolean;
  readonly debug: boolean;
  /** Absolute path of the store. */
  readonly dir: string;
  /** Size bound in bytes. */
  readonly maxSize: number;
  /** Remote tier (`CACHEPHANT_REMOTE`, `CACHEPHANT_REMOTE_KEY`, `CACHEPHANT_REMOTE_MODE`), if any. */
  readonly remote?: RemoteSettings | undefined;
}

/** What the plugin told the runtime (a call's meta), when there was a call. */
export interface PluginSettings {
  readonly dir?: string | undefined;
  readonly maxSize?: string | number | undefined;
}

export const DEFAULT_MAX_SIZE = 1e9;
const DEFAULT_SUBDIR = join("node_modules", ".cache", "cachephant");

let configured: ConfigureOptions = {};
let cached: { plugin: PluginSettings; settings: Settings } | undefined;
// The plugin's options from the last call, so api calls in the same process use the same store.
let lastPlugin: PluginSettings = {};

/**
 * Sets options for this process, merged over earlier calls (`undefined`
 * clears one). Takes effect on the next call of a cached function.
 * @throws ConfigError on a bad `maxSize` or `dir`.
 */
export function configure(options: ConfigureOptions): void {
  if (options.maxSize !== undefined && parseSize(options.maxSize) === undefined) {
    throw new ConfigError(
      `configure({ maxSize: ${JSON.stringify(options.maxSize)} }): not a size. Use ${SIZE_FORMAT_HINT}.`,
    );
  }
  if (options.dir !== undefined && (typeof options.dir !== "string" || options.dir === "")) {
    throw new ConfigError(`configure({ dir: ${JSON.stringify(options.dir)} }): expected a folder path.`);
  }
  const merged: Record<string, unknown> = { ...configured };
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  configured = merged as ConfigureOptions;
  cached = undefined;
}

/**
 * The settings for a call whose meta carries the plugin's options, or for an
 * api call (no argument: the plugin's options of the last call, if any).
 * @throws ConfigError on a bad environment variable or plugin option.
 */
export function settingsFor(plugin: PluginSettings = lastPlugin): Settings {
  // Fast path: every call of a build carries the same options.
  if (cached !== undefined && cached.plugin.dir === plugin.dir && cached.plugin.maxSize === plugin.maxSize) {
    return cached.settings;
  }
  const settings = resolveSettings({ env: process.env, cwd: process.cwd(), configured, plugin });
  cached = { plugin: { dir: plugin.dir, maxSize: plugin.maxSize }, settings };
  if (plugin !== lastPlugin) lastPlugin = { dir: plugin.dir, maxSize: plugin.maxSize };
  return settings;
}

export interface SettingsInputs {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  configured: ConfigureOptions;
  plugin: PluginSettings;
}

/** Pure resolution of the settings from their sources (exported for tests). */
export function resolveSettings({ env, cwd, configured, plugin }: SettingsInputs): Settings {
  return {
    enabled: envFlag(env, "CACHEPHANT", "off (or 0, false) to run uncached, on to cache") ?? configured.enabled ?? true,
    debug: envFlag(env, "CACHEPHANT_DEBUG", "1 (or on, true) to print a line per call, 0 (or off) not to") ?? configured.debug ?? false,
    dir: resolveDir(env, cwd, configured, plugin),
    maxSize: resolveMaxSize(env, configured, plugin),
    remote: resolveRemote(env, configured.remote),
  };
}

function resolveDir(env: SettingsInputs["env"], cwd: string, configured: ConfigureOptions, plugin: PluginSettings): string {
  const chosen = nonEmpty(env.CACHEPHANT_DIR) ?? configured.dir ?? nonEmpty(plugin.dir);
  if (chosen !== undefined) return resolve(cwd, chosen);
  return join(nearestPackageRoot(cwd) ?? cwd, DEFAULT_SUBDIR);
}

function resolveMaxSize(env: SettingsInputs["env"], configured: ConfigureOptions, plugin: PluginSettings): number {
  const fromEnv = nonEmpty(env.CACHEPHANT_MAX_SIZE);
  if (fromEnv !== undefined) {
    const bytes = parseSize(fromEnv);
    if (bytes === undefined) {
      throw new ConfigError(`CACHEPHANT_MAX_SIZE=${JSON.stringify(fromEnv)} is not a size. Use ${SIZE_FORMAT_HINT}.`);
    }
    return bytes;
  }
  if (configured.maxSize !== undefined) return parseSize(configured.maxSize)!;
  if (plugin.maxSize !== undefined) {
    const bytes = parseSize(plugin.maxSize);
    if (bytes === undefined) {
      throw new ConfigError(
        `The plugin option maxSize: ${JSON.stringify(plugin.maxSize)} is not a size. Use ${SIZE_FORMAT_HINT}.`,
      );
    }
    return bytes;
  }
  return DEFAULT_MAX_SIZE;
}

const TRUE_WORDS = new Set(["1", "on", "true", "yes"]);
const FALSE_WORDS = new Set(["0", "off", "false", "no"]);

function envFlag(env: SettingsInputs["env"], name: string, usage: string): boolean | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new ConfigError(`${name}=${JSON.stringify(raw)} is not understood. Use ${usage}.`);
}

function nearestPackageRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
