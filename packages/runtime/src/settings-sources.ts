/**
 * Where each setting comes from, in order: `configure()`, the environment, the
 * plugin's options, the build tools' records, package.json, the defaults; a
 * bad value warns and falls back (see docs/store.md, "Settings").
 */
import { join } from "node:path";
import { resolve } from "node:path";
import { type ProjectSettings, RECORDED_SETTINGS_FILE, type RecordedSettings } from "./recorded-settings.js";
import { type ConfiguredRemote, type RemoteSettings, resolveRemote } from "./remote/settings.js";
import { unknownEnvironmentNames } from "./settings-check.js";
import { parseSize, SIZE_FORMAT_HINT } from "./units.js";

/** Options of `configure()`. Each wins over the project's settings and loses to the environment. */
export interface ConfigureOptions {
  /** Cache directory, relative to the project root. `CACHEPHANT_DIR` wins over it. */
  dir?: string;
  /** Size bound of the store (`"500MB"`, `"2GiB"` or bytes). `CACHEPHANT_MAX_SIZE` wins over it. */
  maxSize?: string | number;
  /** `false` runs every cached function uncached. `CACHEPHANT=off` wins over it. */
  enabled?: boolean;
  /** Bytes of recent results kept in memory (`"64MB"`, 0 for none). `CACHEPHANT_MEMORY_SIZE` wins over it. */
  memorySize?: string | number;
  /** Print one line per call to stderr. `CACHEPHANT_DEBUG` wins over it. */
  debug?: boolean;
  /** Remote tier: a `redis://` or `rediss://` URL shared by a team (docs/remote.md). `CACHEPHANT_REMOTE` wins over it. */
  remote?: string;
  /** Remote namespace: keeps a branch, project or environment apart on one Redis. `CACHEPHANT_REMOTE_NAMESPACE` wins over it. */
  remoteNamespace?: string;
  /** Public keys (PEM paths or texts) whose remote entries are accepted. `CACHEPHANT_REMOTE_TRUSTED_KEYS` wins over it. */
  remoteTrustedKeys?: string | string[];
  /** Refused: a private key belongs in `CACHEPHANT_REMOTE_SIGNING_KEY` on the machines that write, never in code. */
  remoteSigningKey?: never;
}

/** The keys `configure()` takes. */
export const CONFIGURE_OPTIONS: readonly (keyof ConfigureOptions)[] = [
  "dir",
  "maxSize",
  "enabled",
  "debug",
  "remote",
  "remoteNamespace",
  "remoteTrustedKeys",
  "remoteSigningKey",
  "memorySize",
];

export interface Settings {
  readonly enabled: boolean;
  /** `CACHEPHANT=refresh`: every call computes and overwrites its entry (the next run reads the new one). */
  readonly refresh: boolean;
  readonly debug: boolean;
  /** Absolute path of the store. */
  readonly dir: string;
  /** Size bound in bytes. */
  readonly maxSize: number;
  /** Bytes of the in-process memory tier (`store/memory-tier.ts`); 0: off. */
  readonly memorySize: number;
  /** The project root that relative directories are resolved against. */
  readonly root: string;
  /** Remote tier (`CACHEPHANT_REMOTE` and the `CACHEPHANT_REMOTE_*` settings, docs/remote.md), if any. */
  readonly remote?: RemoteSettings | undefined;
  /** Check mode (`CACHEPHANT_CHECK`): the share of hits that also compute, 0 (off) to 1 (every hit). */
  readonly check: number;
  /** Where `dir` and `maxSize` came from, in words (`CACHEPHANT_MAX_SIZE`, `the plugin option maxSize of the vite build`, `the default`). */
  readonly sources: { readonly dir: string; readonly maxSize: string };
  /** Absolute path of the file check mode appends its findings to (`CACHEPHANT_CHECK_REPORT`), if any. */
  readonly checkReport?: string | undefined;
}

/** What the plugin told the runtime (a call's meta), when there was a call. */
export interface PluginSettings {
  readonly dir?: string | undefined;
  readonly maxSize?: string | number | undefined;
}

export const DEFAULT_MAX_SIZE = 1e9;

export const DEFAULT_SUBDIR = join("node_modules", ".cache", "cachephant");

export interface SettingsInputs {
  env: Readonly<Record<string, string | undefined>>;
  /** The working directory: `CACHEPHANT_DIR` is relative to it, like any path given in a shell. */
  cwd: string;
  /** The project root: every other relative `dir` is relative to it. */
  root: string;
  configured: ConfigureOptions;
  /** The plugin's options carried by the call (or the last call). */
  plugin: PluginSettings;
  /** The plugin's options as its builds recorded them under the project root. */
  recorded?: RecordedSettings;
  /** The `"cachephant"` key of the project's package.json. */
  manifest?: ProjectSettings;
}

/** Says a bad setting once (`id`) and how to fix it. */
export type Warn = (id: string, message: string) => void;

/** Pure resolution of the settings from their sources (exported for tests). */
export function resolveSettings(inputs: SettingsInputs, warn: Warn): Settings {
  const { env, configured } = inputs;
  for (const problem of unknownEnvironmentNames(env)) warn(`env:${problem.key}`, problem.message);
  const dir = resolveDir(inputs);
  const maxSize = resolveMaxSize(inputs, warn);
  const debug = envFlag(env, "CACHEPHANT_DEBUG", warn) ?? configured.debug ?? false;
  return {
    enabled: envFlag(env, "CACHEPHANT", warn) ?? configured.enabled ?? true,
    refresh: nonEmpty(env.CACHEPHANT)?.trim().toLowerCase() === REFRESH_WORD,
    debug,
    dir: dir.value,
    maxSize: maxSize.value,
    memorySize: resolveMemorySize(inputs, warn),
    sources: { dir: dir.source, maxSize: maxSize.source },
    root: inputs.root,
    remote: resolveRemote(env, remoteSources(inputs), debug),
    check: resolveCheck(env, warn),
    checkReport: resolveCheckReport(inputs),
  };
}

/** The remote settings of `configure()`, else of package.json; key paths there are relative to the project root. */
function remoteSources({ configured, manifest = {}, root }: SettingsInputs): ConfiguredRemote {
  const keys = configured.remoteTrustedKeys ?? manifest.remoteTrustedKeys;
  const list = typeof keys === "string" ? keys.split(",") : keys;
  return {
    remote: configured.remote ?? manifest.remote,
    remoteNamespace: configured.remoteNamespace ?? manifest.remoteNamespace,
    remoteTrustedKeys: list?.map((key) => (key.includes("-----BEGIN") ? key : resolve(root, key.trim()))),
  };
}

/** `CACHEPHANT_CHECK`: 1 (or on) checks every hit, a fraction that share of hits, 0 (or off) none. */
function resolveCheck(env: SettingsInputs["env"], warn: Warn): number {
  const raw = nonEmpty(env.CACHEPHANT_CHECK);
  if (raw === undefined) return 0;
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return 1;
  if (FALSE_WORDS.has(word)) return 0;
  const share = /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(word) ? Number(word) : Number.NaN;
  if (share >= 0 && share <= 1) return share;
  warn(
    `check:${raw}`,
    `${describe("CACHEPHANT_CHECK", raw)} is not understood, so it is ignored. Use 1 (or on) to check every hit, a fraction such as 0.05 to check that share of hits, 0 (or off) not to check.`,
  );
  return 0;
}

/** `CACHEPHANT_CHECK_REPORT`: relative to the working directory, like any path given in a shell. */
function resolveCheckReport({ env, cwd }: SettingsInputs): string | undefined {
  const fromEnv = nonEmpty(env.CACHEPHANT_CHECK_REPORT);
  return fromEnv === undefined ? undefined : resolve(cwd, fromEnv);
}

/** A resolved setting and where it came from, in words. */
interface Sourced<T> {
  value: T;
  source: string;
}

const RECORDED = `recorded in ${RECORDED_SETTINGS_FILE}`;

const PACKAGE_KEY = 'the "cachephant" key of package.json';

function resolveDir({
  env,
  cwd,
  root,
  configured,
  plugin,
  recorded = {},
  manifest = {},
}: SettingsInputs): Sourced<string> {
  const fromEnv = nonEmpty(env.CACHEPHANT_DIR);
  if (fromEnv !== undefined) return { value: resolve(cwd, fromEnv), source: "CACHEPHANT_DIR" };
  const sources: Array<[string, string | undefined]> = [
    ["configure({ dir })", configured.dir],
    ["the plugin option dir of this program's build", nonEmpty(plugin.dir)],
    [`the plugin option dir of ${recorded.dirFrom ?? "a build"}, ${RECORDED}`, recorded.dir],
    [PACKAGE_KEY, manifest.dir],
  ];
  for (const [source, value] of sources) {
    if (value !== undefined) return { value: resolve(root, value), source };
  }
  return { value: join(root, DEFAULT_SUBDIR), source: "the default" };
}

function resolveMaxSize(
  { env, configured, plugin, recorded = {}, manifest = {} }: SettingsInputs,
  warn: Warn,
): Sourced<number> {
  // The plugin's options of the call stand for the recorded ones (the same options, or newer).
  const ownBuild = plugin.maxSize !== undefined || plugin.dir !== undefined;
  const sources: Array<[string, string, string | number | undefined]> = [
    ["CACHEPHANT_MAX_SIZE", "CACHEPHANT_MAX_SIZE", nonEmpty(env.CACHEPHANT_MAX_SIZE)],
    ["configure({ maxSize })", "configure({ maxSize })", configured.maxSize],
    ownBuild
      ? ["the plugin option maxSize", "the plugin option maxSize of this program's build", plugin.maxSize]
      : [
          "the plugin option maxSize",
          `the plugin option maxSize of ${recorded.maxSizeFrom ?? "a build"}, ${RECORDED}`,
          recorded.maxSize,
        ],
    ['the "cachephant" maxSize in package.json', PACKAGE_KEY, manifest.maxSize],
  ];
  for (const [name, source, value] of sources) {
    if (value === undefined) continue;
    const bytes = parseSize(value);
    if (bytes !== undefined) return { value: bytes, source };
    warn(
      `maxSize:${name}:${value}`,
      `${describe(name, value)} is not a size, so it is ignored. Use ${SIZE_FORMAT_HINT}.`,
    );
  }
  return { value: DEFAULT_MAX_SIZE, source: "the default" };
}

export const DEFAULT_MEMORY_SIZE = 64e6;

/** `CACHEPHANT_MEMORY_SIZE`, else `configure({ memorySize })`, else 64 MB; 0 turns the memory tier off. */
function resolveMemorySize({ env, configured }: SettingsInputs, warn: Warn): number {
  const sources: Array<[string, string | number | undefined]> = [
    ["CACHEPHANT_MEMORY_SIZE", nonEmpty(env.CACHEPHANT_MEMORY_SIZE)],
    ["configure({ memorySize })", configured.memorySize],
  ];
  for (const [source, value] of sources) {
    if (value === undefined) continue;
    const bytes = parseSize(value);
    if (bytes !== undefined) return bytes;
    warn(
      `memorySize:${source}:${value}`,
      `${describe(source, value)} is not a size, so it is ignored. Use ${SIZE_FORMAT_HINT}, or 0 for none.`,
    );
  }
  return DEFAULT_MEMORY_SIZE;
}

const TRUE_WORDS = new Set(["1", "on", "true", "yes"]);

const FALSE_WORDS = new Set(["0", "off", "false", "no"]);

const FLAG_USAGE: Record<string, string> = {
  CACHEPHANT: "off (or 0, false) to run uncached, on to cache, refresh to compute every call again and store it",
  CACHEPHANT_DEBUG: "1 (or on, true) to print a line per call, 0 (or off) not to",
};

/** `CACHEPHANT=refresh`: caching on, every entry computed again. */
const REFRESH_WORD = "refresh";

function envFlag(env: SettingsInputs["env"], name: string, warn: Warn): boolean | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word) || (name === "CACHEPHANT" && word === REFRESH_WORD)) return true;
  if (FALSE_WORDS.has(word)) return false;
  warn(`flag:${name}:${raw}`, `${describe(name, raw)} is not understood, so it is ignored. Use ${FLAG_USAGE[name]}.`);
  return undefined;
}

function describe(source: string, value: string | number): string {
  return /^[A-Z_]+$/.test(source) ? `${source}=${JSON.stringify(value)}` : `${source}: ${JSON.stringify(value)}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
