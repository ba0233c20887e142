/**
 * What the latest build of each module had: the code hash of each of its
 * cached functions, and what each key covers. The plugin records it at each
 * transform, one small file per module under the project root; the CLI reads
 * it to tell the entries of code that still exists from superseded ones
 * (`ls`, `prune --superseded`) and to show what a key covers (`explain`).
 *
 * Shared by the plugin (recording) and the runtime (reading), like the
 * recorded settings in `project.ts`.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { isJsonError, isSystemError } from "@cachephant/core/scan";
import { writeFileIfChanged } from "./files/index.js";

/** Where the records are, relative to the project root. */
export const BUILT_FUNCTIONS_DIR = join("node_modules", ".cache", "cachephant-functions");

/** A cached function as the latest build of its module made it. */
export interface BuiltFunction {
  readonly name: string;
  readonly line: number;
  readonly hash: string;
  /** What its hash is made of, as in the meta `deps` (absent in records of builds before `explain`, as are the fields below). */
  readonly deps?: ReadonlyArray<readonly [string, string]>;
  /** Outside variables keyed by value at call time, as in the meta `scope`. */
  readonly scope?: readonly string[];
  /** Changing module bindings keyed by value: `[file, name]`. */
  readonly state?: ReadonlyArray<readonly [string, string]>;
  /** What the key covers with where each part is (the core's `FunctionExplain`). */
  readonly explain?: BuiltExplain;
}

/** One thing a function reaches, with what it reaches in turn (the core's `ReachedNode`). */
export interface ReachedNode {
  readonly label: string;
  readonly hash: string;
  readonly file?: string;
  readonly line?: number;
  readonly reaches?: readonly ReachedNode[];
  readonly repeated?: true;
}

/** A variable and where it is declared. */
export interface VariableSite {
  readonly name: string;
  readonly file?: string;
  readonly line?: number;
}

/** What a function's key covers, as the build analysed it. */
export interface BuiltExplain {
  readonly reaches: readonly ReachedNode[];
  readonly scope: readonly VariableSite[];
  readonly state: readonly VariableSite[];
  readonly params: ReadonlyArray<{
    readonly name: string;
    readonly path: string;
    readonly default?: string;
    readonly ignored: boolean;
  }>;
  readonly ignoredVariables: readonly string[];
  /** Milliseconds. */
  readonly ttl?: number;
  readonly inputs: boolean;
  /** Of `scope` (names) and `state` (`file#name`): data proven never to change after load, keyed once per process. */
  readonly keyedOnce?: readonly string[];
  /** Typed array views key by their whole buffer and place (see `meta.viewBuffers`). */
  readonly viewBuffers?: boolean;
}

/** One module's record. */
export interface BuiltModule {
  /** The module as entries name it (the meta's `file`: relative to the build's root, with `/`). */
  readonly file: string;
  /** Its absolute path when built: a record of a module that is gone counts as a module without functions. */
  readonly source: string;
  readonly functions: readonly BuiltFunction[];
}

/** The record file of a module (by its absolute path). */
export function builtModuleFile(root: string, source: string): string {
  return join(root, BUILT_FUNCTIONS_DIR, `${createHash("sha256").update(source).digest("hex").slice(0, 32)}.json`);
}

/**
 * Records the functions the latest build of `source` has. A record without
 * functions stays (the module lost its last directive: its results are all
 * superseded). Writes only on a change, atomically. Returns false when it
 * cannot write (a read-only checkout): the CLI then knows less, nothing else
 * changes.
 */
export function recordBuiltModule(root: string, record: BuiltModule): boolean {
  const path = builtModuleFile(root, record.source);
  try {
    writeFileIfChanged(path, `${JSON.stringify(record)}\n`);
    return true;
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return false;
  }
}

/** The names of the record files there are (to tell cheaply whether a module has one). */
export function builtModuleFiles(root: string): Set<string> {
  try {
    return new Set(
      readdirSync(join(root, BUILT_FUNCTIONS_DIR))
        .filter((name) => name.endsWith(".json"))
        .map((name) => join(root, BUILT_FUNCTIONS_DIR, name)),
    );
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return new Set();
  }
}

/**
 * The code hashes the latest builds have, by module (`file` as entries name
 * it). A module whose source is gone has none. Unreadable records are
 * skipped: their entries then count as current, never as superseded.
 */
export function builtHashes(root: string): Map<string, Set<string>> {
  const byFile = new Map<string, Set<string>>();
  for (const path of builtModuleFiles(root)) {
    const record = readBuiltModule(path);
    if (record === undefined) continue;
    const hashes = byFile.get(record.file) ?? new Set<string>();
    if (existsSync(record.source)) for (const fn of record.functions) hashes.add(fn.hash);
    byFile.set(record.file, hashes);
  }
  return byFile;
}

/** The records of the modules whose source still exists (what the latest builds have). */
export function builtModules(root: string): BuiltModule[] {
  const modules: BuiltModule[] = [];
  for (const path of builtModuleFiles(root)) {
    const record = readBuiltModule(path);
    if (record !== undefined && existsSync(record.source)) modules.push(record);
  }
  return modules.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** One record file; undefined when it cannot be read. Fields a later build added are kept only when well-formed. */
export function readBuiltModule(path: string): BuiltModule | undefined {
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as Partial<BuiltModule> | null;
    if (
      typeof value?.file !== "string" ||
      typeof value.source !== "string" ||
      !isAbsolute(value.source) ||
      !Array.isArray(value.functions)
    )
      return undefined;
    const functions = value.functions
      .filter(
        (fn: Partial<BuiltFunction> | null): fn is BuiltFunction =>
          typeof fn === "object" && fn !== null && typeof fn.name === "string" && typeof fn.hash === "string",
      )
      .map((fn) => (isExplain(fn.explain) ? fn : { name: fn.name, line: fn.line, hash: fn.hash }));
    return { file: value.file, source: value.source, functions };
  } catch (error) {
    if (!isSystemError(error) && !isJsonError(error)) throw error;
    return undefined;
  }
}

function isExplain(value: unknown): value is BuiltExplain {
  if (typeof value !== "object" || value === null) return false;
  const explain = value as Partial<BuiltExplain>;
  return (
    Array.isArray(explain.reaches) &&
    Array.isArray(explain.scope) &&
    Array.isArray(explain.state) &&
    Array.isArray(explain.params)
  );
}
