/**
 * The plugin's options as its builds recorded them under the project root
 * (`RECORDED_SETTINGS_FILE`), one record per build tool, so that a project
 * built by several tools (vite for the app, esbuild for a script) keeps each
 * one's options: a build without options never erases another's. The CLI,
 * the API and programs whose build gave no option read the merge: a setting
 * given by one build, or by several alike, is the project's; when builds
 * disagree, the largest `maxSize` (the CLI never prunes below a bound one of
 * the project's programs keeps) and the `dir` of the build recorded last win,
 * and the build that disagrees is warned at build time.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomically } from "./files/index.js";
import { parseSize } from "./units.js";
import { isJsonError, isSystemError } from "@cachephant/core/scan";

/** Where the plugin records its options, relative to the project root. */
export const RECORDED_SETTINGS_FILE = join("node_modules", ".cache", "cachephant-settings.json");

/** Settings a build or a project gives: `dir` (relative to the project root) and `maxSize`. */
export interface ProjectSettings {
  readonly dir?: string | undefined;
  readonly maxSize?: string | number | undefined;
  /** The remote tier's settings a project may share in package.json (docs/remote.md); key paths are relative to the project root. Builds record none. */
  readonly remote?: string | undefined;
  readonly remoteNamespace?: string | undefined;
  readonly remoteTrustedKeys?: string | readonly string[] | undefined;
  /** Refused: a private key never goes in package.json. */
  readonly remoteSigningKey?: never;
}

/** The recorded settings merged over the builds, with the builds each one came from. */
export interface RecordedSettings extends ProjectSettings {
  /** The build(s) `dir` came from: `the vite build`, `the vite and esbuild builds`. */
  readonly dirFrom?: string;
  readonly maxSizeFrom?: string;
}

interface BuildRecord extends ProjectSettings {
  /** When this build's options were recorded as they are (ms since the epoch). */
  readonly at: number;
}

type Builds = Record<string, BuildRecord>;

/** What recording a build's options found. */
export interface RecordOutcome {
  /** False when the file could not be written (a read-only checkout): only the CLI misses the options. */
  readonly recorded: boolean;
  /** When this build's options differ from another build's: the warning for the build, naming the fix. */
  readonly disagreement?: string;
}

/**
 * Records the options of one build (`tool`: vite, esbuild, webpack...) beside
 * the other builds' records. Writes only when they changed, atomically, 0600.
 */
export function recordSettings(root: string, tool: string, settings: ProjectSettings): RecordOutcome {
  const file = join(root, RECORDED_SETTINGS_FILE);
  const builds = readBuilds(file);
  const given = pickSettings(settings);
  const previous = builds[tool];
  const same = previous !== undefined && previous.dir === given.dir && previous.maxSize === given.maxSize;
  // Later than every other record, also within one millisecond: "recorded last" is the order of recording.
  const at = Math.max(Date.now(), ...Object.values(builds).map((record) => record.at + 1));
  if (!same) builds[tool] = { ...given, at };
  const disagreement = describeDisagreement(tool, builds);
  const outcome = (recorded: boolean): RecordOutcome => ({
    recorded,
    ...(disagreement !== undefined ? { disagreement } : {}),
  });
  if (same || (previous === undefined && given.dir === undefined && given.maxSize === undefined && !existsSync(file))) {
    return outcome(true);
  }
  try {
    writeFileAtomically(file, `${JSON.stringify({ v: 2, builds }, null, 2)}\n`);
    return outcome(true);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return outcome(false);
  }
}

/** The recorded settings of `root`'s builds, merged (see the module's comment). Never throws. */
export function readRecordedSettings(root: string): RecordedSettings {
  const builds = readBuilds(join(root, RECORDED_SETTINGS_FILE));
  const merged: { dir?: string; maxSize?: string | number; dirFrom?: string; maxSizeFrom?: string } = {};
  const dirs = settersOf(builds, "dir");
  if (dirs.length > 0) {
    const distinct = new Set(dirs.map(([, record]) => record.dir));
    const [tool, record] = distinct.size === 1 ? dirs[0]! : dirs.reduce((a, b) => (b[1].at > a[1].at ? b : a));
    merged.dir = record.dir;
    merged.dirFrom =
      distinct.size === 1
        ? buildNames(dirs.map(([name]) => name))
        : `${buildNames([tool])} (recorded last; builds disagree)`;
  }
  const sizes = settersOf(builds, "maxSize");
  if (sizes.length > 0) {
    const bytes = (record: BuildRecord) => parseSize(record.maxSize!) ?? 0;
    const distinct = new Set(sizes.map(([, record]) => bytes(record)));
    const [tool, record] = sizes.reduce((a, b) => (bytes(b[1]) > bytes(a[1]) ? b : a));
    merged.maxSize = record.maxSize;
    merged.maxSizeFrom =
      distinct.size === 1
        ? buildNames(sizes.map(([name]) => name))
        : `${buildNames([tool])} (the largest; builds disagree)`;
  }
  return merged;
}

/** The warning for build `tool` when its options differ from another build's, or undefined. */
function describeDisagreement(tool: string, builds: Builds): string | undefined {
  const own = builds[tool];
  if (own === undefined) return undefined;
  const problems: string[] = [];
  for (const [name, other] of Object.entries(builds)) {
    if (name === tool) continue;
    if (
      own.maxSize !== undefined &&
      other.maxSize !== undefined &&
      parseSize(own.maxSize) !== parseSize(other.maxSize)
    ) {
      problems.push(
        `maxSize ${JSON.stringify(own.maxSize)} where the ${name} build sets ${JSON.stringify(other.maxSize)}`,
      );
    }
    if (own.dir !== undefined && other.dir !== undefined && own.dir !== other.dir) {
      problems.push(`dir ${JSON.stringify(own.dir)} where the ${name} build sets ${JSON.stringify(other.dir)}`);
    }
  }
  if (problems.length === 0) return undefined;
  return (
    `this ${tool} build sets ${problems.join(", and ")} (recorded in ${RECORDED_SETTINGS_FILE}): ` +
    "the CLI and programs built without the option use the largest maxSize and the dir recorded last. " +
    'Give the project one setting: the same option in every build, or "cachephant": { "maxSize": ..., "dir": ... } in package.json and no plugin option.'
  );
}

function settersOf(builds: Builds, key: "dir" | "maxSize"): [string, BuildRecord][] {
  return (
    Object.entries(builds)
      .filter(([, record]) => record[key] !== undefined)
      // Build tools' names are lowercase ASCII: code unit order, not localeCompare, whose first call loads
      // ICU's collator (8-13 ms of a program's first call, on this project's test machine).
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  );
}

function buildNames(tools: readonly string[]): string {
  return tools.length === 1
    ? `the ${tools[0]} build`
    : `the ${tools.slice(0, -1).join(", ")} and ${tools.at(-1)} builds`;
}

/** The builds in the file; a record of the single-build format (`{ dir, maxSize }`) reads as one build. */
function readBuilds(file: string): Builds {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    if (!isSystemError(error) && !isJsonError(error)) throw error;
    return {};
  }
  if (!parsed || typeof parsed !== "object") return {};
  const { builds } = parsed as { builds?: unknown };
  if (builds === undefined) {
    const single = pickSettings(parsed);
    return single.dir === undefined && single.maxSize === undefined ? {} : { earlier: { ...single, at: 0 } };
  }
  const read: Builds = {};
  if (builds && typeof builds === "object") {
    for (const [tool, record] of Object.entries(builds)) {
      const at = (record as { at?: unknown } | null)?.at;
      read[tool] = { ...pickSettings(record), at: typeof at === "number" ? at : 0 };
    }
  }
  return read;
}

/** The `dir` and `maxSize` of a settings object, when of the right types (their values are checked where they are used). */
export function pickSettings(value: unknown): { dir?: string; maxSize?: string | number } {
  if (!value || typeof value !== "object") return {};
  const { dir, maxSize } = value as Record<string, unknown>;
  return {
    ...(typeof dir === "string" && dir !== "" ? { dir } : {}),
    ...(typeof maxSize === "string" || typeof maxSize === "number" ? { maxSize } : {}),
  };
}
