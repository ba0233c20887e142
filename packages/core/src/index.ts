import path from "node:path";
import type { SourceMap } from "magic-string";
import { analyzeFunctions, checkIgnoredNames } from "./analyze.js";
import { analyzeDependencies, type FunctionDependencies } from "./deps.js";
import { CODE_FILE, createModuleGraph, graphState, type ModuleGraph } from "./graph.js";
import { stripQuery } from "./parse.js";
import type { Resolver } from "./resolve.js";
import { DIRECTIVE_LIKE } from "./near-miss.js";
import { rewrite, type FunctionOutput } from "./rewrite.js";
import type { CachephantWarning } from "./warnings.js";

export { CachephantBuildError, type CachephantErrorCode, type ErrorLocation } from "./errors.js";
export { createModuleGraph, ModuleGraph, type ModuleGraphOptions, type ModuleGraphStats } from "./graph.js";
export type { Resolver } from "./resolve.js";
export type { CachephantWarning } from "./warnings.js";
export { DIRECTIVE_LIKE } from "./near-miss.js";

export interface TransformOptions {
  /** Project root: the meta `file` is the id relative to it. Default: `process.cwd()`. */
  root?: string;
  /** Where the rewritten code imports `runCached` from. Default: `"@cachephant/runtime"`. */
  runtimeModule?: string;
  /** The plugin's `dir` option, copied into every meta object when given. */
  dir?: string;
  /** The plugin's `maxSize` option, copied into every meta object when given. */
  maxSize?: string | number;
  /**
   * The bundler's resolver: `(specifier, importer) => absolute path`, or
   * null/undefined when it cannot resolve the specifier (or it is virtual).
   * Without it, or when it returns null for a relative specifier, paths are
   * resolved Node-style with TypeScript's extensions (`./x.js` → `./x.ts`,
   * `./x` → `./x.ts`, ..., `./dir` → `./dir/index.*`) and bare names are
   * looked up in the `node_modules` folders above the importer.
   */
  resolve?: Resolver;
  /**
   * The build's cache of parsed helper modules (`createModuleGraph()`, once
   * per build): each helper is then parsed once per content, not once per
   * module that imports it. Without it, the transform uses a private one.
   */
  graph?: ModuleGraph;
  /**
   * Whether hashes cover what each function reaches (helpers, imported
   * modules, packages). Default true. `false` hashes the function's own code
   * only and resolves nothing: for benchmarks and debugging, since a result
   * would then be reused after a helper changes.
   */
  trackDependencies?: boolean;
}

/** One function the transform wrapped. */
export interface CachedFunctionInfo {
  /** As in the meta object: `load`, `Api.fetch`, `default`. */
  name: string;
  /** Hash of the function's normalized code and of everything it reaches. */
  hash: string;
  /** 1-based line of the function's start. */
  line: number;
  /** 0-based column of the function's start. */
  column: number;
  /** The outside variables keyed by value at call time, as in the meta `scope` (after `ignore`). */
  scope: string[];
  /** What the hash is made of, as in the meta `deps`: `[label, own hash]`, `["own code", ...]` first. */
  deps: Array<[string, string]>;
}

export interface TransformResult {
  code: string;
  map: SourceMap;
  /** The wrapped functions, in source order. */
  functions: CachedFunctionInfo[];
  /**
   * Absolute paths of the other project files the hashes depend on (helper
   * modules, imported data files), for the bundler's watch mode: a change of
   * one of them must transform this module again.
   */
  dependencies: string[];
  /**
   * Build warnings for the bundler to show (`this.warn`): a near-miss
   * directive such as `"use cahce"`. A module whose only finding is a warning
   * comes back unchanged, with no functions.
   */
  warnings: CachephantWarning[];
}

const DEFAULT_RUNTIME = "@cachephant/runtime";

/**
 * Rewrites every `"use cache"` function of a module so that its calls go
 * through the runtime's cache, with a hash of the function's code and of
 * everything it reaches. Resolves to null when the module has no
 * `"use cache"` directive and no near miss of one (without parsing it when the text does not even
 * contain `use cache`). Rejects with `CachephantBuildError` when a directive
 * is misused, and for syntax errors of the module itself (never for a helper
 * it imports).
 */
export async function transform(code: string, id: string, options: TransformOptions = {}): Promise<TransformResult | null> {
  if (!code.includes("use cache") && !DIRECTIVE_LIKE.test(code)) return null;
  const analysis = analyzeFunctions(code, id);
  if (!analysis) return null;
  const root = options.root ?? process.cwd();
  const absolute = path.resolve(root, stripQuery(id));
  const file = path.relative(root, absolute).split(path.sep).join("/");

  let results: FunctionDependencies[] = [];
  let dependencies: string[] = [];
  if (analysis.functions.length > 0) {
    const graph = graphState(options.graph ?? createModuleGraph());
    const entry = graph.register(entryKey(id, absolute), code, analysis.program);
    const found = await analyzeDependencies(analysis, entry, {
      graph,
      resolve: options.resolve,
      root,
      track: options.trackDependencies !== false,
    });
    results = found.functions;
    dependencies = found.files;
  }

  // `ignore=` may name outside variables: check the names, then leave those out.
  checkIgnoredNames(
    analysis,
    results.map((result) => variableNames(result.scope.map((entry) => entry.name))),
  );
  const outputs: FunctionOutput[] = analysis.functions.map((fn, index) => {
    const result = results[index]!;
    const ignored = new Set([...fn.ignoreOther.own, ...fn.ignoreOther.inherited]);
    const scope = result.scope.filter((entry) => !ignored.has(entry.name) && !ignored.has(entry.name.split(".")[0]!));
    return { hash: result.hash, scope, deps: result.deps };
  });

  const { code: output, map } = rewrite(code, analysis, outputs, {
    id,
    file,
    runtimeModule: options.runtimeModule ?? DEFAULT_RUNTIME,
    dir: options.dir,
    maxSize: options.maxSize,
  });
  const functions = analysis.functions.map(({ name, line, column }, index): CachedFunctionInfo => {
    const { hash, scope, deps } = outputs[index]!;
    return { name, hash, line, column, scope: scope.map((entry) => entry.name), deps: deps.map(([label, own]) => [label, own]) };
  });
  return { code: output, map, functions, dependencies, warnings: analysis.warnings };
}

/**
 * Under which name the graph keeps the module being transformed: its path,
 * unless the code is not that file's content (`App.vue?vue&type=script`, a
 * file another plugin compiled to JavaScript), which other modules that import
 * the file see by its bytes: then a name of its own, so neither view replaces
 * the other.
 */
function entryKey(id: string, absolute: string): string {
  const query = id.indexOf("?");
  if (query === -1 && CODE_FILE.test(absolute)) return absolute;
  return `${absolute}${query === -1 ? "?transformed" : id.slice(query)}`;
}

/** `h.rate` may be ignored as `h`. */
function variableNames(names: readonly string[]): string[] {
  return [...new Set(names.flatMap((name) => (name.includes(".") ? [name, name.split(".")[0]!] : [name])))];
}
