/**
 * The project a store belongs to, and the settings the project gives: the
 * plugin's options (recorded by the plugin at each build in a small file at a
 * fixed place under the project root, so that the CLI and the api see them
 * too) and a `"cachephant"` key in the project's package.json.
 *
 * Shared by the runtime (reading) and the plugin (recording), so both agree
 * on where the file is and what it holds.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, sep } from "node:path";
import { settingProblems } from "./settings-check.js";
import { writeFileIfChanged } from "./atomic-file.js";

/** Settings a project gives: `dir` (relative to the project root) and `maxSize`. */
export interface ProjectSettings {
  readonly dir?: string | undefined;
  readonly maxSize?: string | number | undefined;
  /** The remote tier's settings a project may share (docs/remote.md); key paths are relative to the project root. */
  readonly remote?: string | undefined;
  readonly remoteNamespace?: string | undefined;
  readonly remoteTrustedKeys?: string | readonly string[] | undefined;
  /** Refused: a private key never goes in package.json. */
  readonly remoteSigningKey?: never;
}

/** Where the plugin records its options, relative to the project root. */
export const RECORDED_SETTINGS_FILE = join("node_modules", ".cache", "cachephant-settings.json");

/** The nearest folder at or above `from` that has a package.json, or undefined. */
export function nearestPackageRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The folder the project root is looked up from at run time: the program's
 * entry file (`node /path/to/app/dist/main.mjs` from any folder finds
 * /path/to/app), unless that is a tool inside node_modules (a test runner, a
 * dev server, the `cachephant` CLI) or there is none (a REPL, `node -e`):
 * then the working directory.
 */
export function rootSearchStart(entry: string | undefined, cwd: string): string {
  // `node dist/main` (no extension) names the file as typed: its folder is right all the same.
  if (entry === undefined || !isAbsolute(entry) || entry.includes(`${sep}node_modules${sep}`)) return cwd;
  return dirname(entry);
}

/** The plugin's options as recorded at its last build in `root`, or {} when none are. Never throws. */
export function readRecordedSettings(root: string): ProjectSettings {
  return pickSettings(readJson(join(root, RECORDED_SETTINGS_FILE)));
}

/** The settings the `"cachephant"` key of package.json may hold. */
export const PACKAGE_SETTINGS: readonly (keyof ProjectSettings)[] = [
  "dir", "maxSize", "remote", "remoteNamespace", "remoteTrustedKeys", "remoteSigningKey",
];

/**
 * The `"cachephant"` key of the project's package.json, or {}. Never throws:
 * unknown keys and bad values go to `warn` (with the nearest valid name) and
 * are left out.
 */
export function readPackageSettings(root: string, warn: (message: string) => void = () => {}): ProjectSettings {
  const manifest = readJson(join(root, "package.json"));
  const value = manifest && typeof manifest === "object" ? (manifest as Record<string, unknown>).cachephant : undefined;
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    warn(`package.json "cachephant": expected an object such as { "dir": ".cache/cachephant", "maxSize": "2GB" }.`);
    return {};
  }
  const problems = settingProblems('package.json "cachephant"', value, PACKAGE_SETTINGS);
  for (const problem of problems) warn(problem.message);
  const bad = new Set(problems.map((problem) => problem.key));
  return pickSettings(Object.fromEntries(Object.entries(value).filter(([key]) => !bad.has(key))));
}

export { settingProblems, type SettingProblem } from "./settings-check.js";
export { recordBuiltModule, builtModuleFile, builtModuleFiles, type BuiltModule, type BuiltFunction } from "./built-functions.js";

/**
 * Records the plugin's options for the runtime and the CLI (called by the
 * plugin at each build). Writes only when they changed, atomically. Returns
 * false when the file cannot be written (a read-only checkout): the built
 * program still has the options in its code; only the CLI does not see them.
 */
export function recordSettings(root: string, settings: ProjectSettings): boolean {
  const file = join(root, RECORDED_SETTINGS_FILE);
  const content = `${JSON.stringify(pickSettings(settings), null, 2)}\n`;
  try {
    // No options and no record: nothing to write.
    if (content === "{}\n" && !existsSync(file)) return true;
    writeFileIfChanged(file, content);
    return true;
  } catch {
    return false;
  }
}

function pickSettings(value: unknown): ProjectSettings {
  if (!value || typeof value !== "object") return {};
  const { dir, maxSize, remote, remoteNamespace, remoteTrustedKeys } = value as Record<string, unknown>;
  return {
    ...(typeof dir === "string" && dir !== "" ? { dir } : {}),
    ...(typeof maxSize === "string" || typeof maxSize === "number" ? { maxSize } : {}),
    ...(typeof remote === "string" ? { remote } : {}),
    ...(typeof remoteNamespace === "string" ? { remoteNamespace } : {}),
    ...(typeof remoteTrustedKeys === "string" || Array.isArray(remoteTrustedKeys) ? { remoteTrustedKeys: remoteTrustedKeys as string | string[] } : {}),
  };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}
