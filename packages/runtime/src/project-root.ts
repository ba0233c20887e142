/**
 * Where the project is (the nearest folder with a package.json above the
 * program's entry file, or above the working directory), and the settings
 * its package.json's `"cachephant"` key gives. What `config.ts` reads on a
 * program's first call; `project.ts` is the entry point the plugin imports.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, sep } from "node:path";
import type { ProjectSettings } from "./recorded-settings.js";
import { settingProblems } from "./settings-check.js";

import { isJsonError, isSystemError } from "@cachephant/core/scan";

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

/** The settings the `"cachephant"` key of package.json may hold. */
export const PACKAGE_SETTINGS: readonly (keyof ProjectSettings)[] = [
  "dir",
  "maxSize",
  "remote",
  "remoteNamespace",
  "remoteTrustedKeys",
  "remoteSigningKey",
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
  return pickPackageSettings(Object.fromEntries(Object.entries(value).filter(([key]) => !bad.has(key))));
}

/** The settings package.json's key holds (the remote's included), of the right types. */
function pickPackageSettings(value: unknown): ProjectSettings {
  if (!value || typeof value !== "object") return {};
  const { dir, maxSize, remote, remoteNamespace, remoteTrustedKeys } = value as Record<string, unknown>;
  return {
    ...(typeof dir === "string" && dir !== "" ? { dir } : {}),
    ...(typeof maxSize === "string" || typeof maxSize === "number" ? { maxSize } : {}),
    ...(typeof remote === "string" ? { remote } : {}),
    ...(typeof remoteNamespace === "string" ? { remoteNamespace } : {}),
    ...(typeof remoteTrustedKeys === "string" || Array.isArray(remoteTrustedKeys)
      ? { remoteTrustedKeys: remoteTrustedKeys as string | string[] }
      : {}),
  };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    if (!isSystemError(error) && !isJsonError(error)) throw error;
    return undefined;
  }
}
