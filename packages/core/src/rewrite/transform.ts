import path from "node:path";
import { type CachephantWarning, isCachephantError } from "../diagnostics/index.js";
import { DIRECTIVE_LIKE } from "../directive/index.js";
import {
  type Analysis,
  analyzeDependencies,
  type AnalyzedFunction,
  analyzeFunctions,
  type ClassEntry,
  checkIgnoredNames,
  createModuleGraph,
  type FunctionDependencies,
  graphState,
  moduleAnalysis,
  moduleClasses,
} from "../key/index.js";
import { CODE_FILE, type ModuleRecord } from "../modules/index.js";
import { moduleState, type ModuleState } from "../state/index.js";
import { paramDefaults, queryOf, stripQuery } from "../syntax/index.js";
import { type FunctionOutput, rewrite } from "./rewrite.js";
import { stateFilesOf } from "./state-files.js";
import type { CachedFunctionInfo, TransformOptions, TransformResult } from "./transform-types.js";

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
export async function transform(
  code: string,
  id: string,
  options: TransformOptions = {},
): Promise<TransformResult | null> {
  const root = options.root ?? process.cwd();
  const absolute = path.resolve(root, stripQuery(id));
  const file = relativeTo(root, absolute);
  const isStateFile = options.stateFiles?.has(absolute) === true;
  if (!code.includes("use cache") && !DIRECTIVE_LIKE.test(code)) {
    return isStateFile ? registerModuleState(code, id, absolute, file, options) : null;
  }
  const analysis = analyzeFunctions(code, id);
  if (!analysis) return isStateFile ? registerModuleState(code, id, absolute, file, options) : null;

  let results: FunctionDependencies[] = [];
  let dependencies: string[] = [];
  let outsideNames: string[] = [];
  const graph = graphState(options.graph ?? createModuleGraph());
  const entry = graph.register(entryKey(id, absolute), code, analysis.ast);
  if (analysis.functions.length > 0) {
    const found = await analyzeDependencies(analysis, entry, {
      graph,
      resolve: options.resolve,
      root,
      track: options.trackDependencies !== false,
    });
    results = found.functions;
    dependencies = found.files;
    outsideNames = found.outside;
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
    const state = result.state.map((binding): [string, string] => [relativeTo(root, binding.file), binding.name]);
    const packageState = result.state.flatMap((binding, stateIndex) => (binding.package === true ? [stateIndex] : []));
    const unchangingState = result.state.flatMap((binding, stateIndex) =>
      binding.unchanging === true ? [stateIndex] : [],
    );
    // Its own module registers first thing, before any of its code can run.
    const ahead = options.registeredAhead;
    const stateAhead =
      state.length > 0 &&
      result.state.every((binding) => binding.file === entry.path || ahead?.has(binding.file) === true);
    const { viewBuffers } = result;
    return {
      hash: result.hash,
      scope,
      deps: result.deps,
      state,
      packageState,
      unchangingState,
      stateAhead,
      viewBuffers,
    };
  });

  // The module's own changing bindings, when a cached function (here or elsewhere) reads them.
  const ownState = isStateFile || results.some((result) => result.state.some((binding) => binding.file === entry.path));
  // Other modules' state and classes: each registers its own (no import added here, so no module runs earlier).
  const stateFiles = stateFilesOf(
    results.flatMap((result) => result.state),
    entry.path,
    results.flatMap((result) => result.classFiles),
  );
  const classes = new Map<string, ClassEntry>();
  for (const found of results.flatMap((result) => result.classes)) classes.set(found.id, found);
  // Reached from cached functions elsewhere, it registers all its classes, as a module without any would.
  if (isStateFile) for (const own of ownClasses(entry, root)) if (!classes.has(own.id)) classes.set(own.id, own);
  const { code: output, map } = rewrite(code, analysis, outputs, {
    id,
    file,
    runtimeModule: options.runtimeModule ?? DEFAULT_RUNTIME,
    dir: options.dir,
    maxSize: options.maxSize,
    state: ownState ? registrable(moduleState(entry)) : undefined,
    classes: [...classes.values()],
  });
  const functions = analysis.functions.map((fn, index): CachedFunctionInfo => {
    const { name, line, column } = fn;
    const { hash, scope, deps, state } = outputs[index]!;
    const result = results[index]!;
    const kept = new Set(scope.map((entry) => entry.name));
    const defaults = paramDefaults(fn.node.params, code);
    const unchanging = [
      ...scope.filter((entry) => entry.unchanging === true).map((entry) => entry.name),
      ...result.state
        .filter((binding) => binding.unchanging === true)
        .map((binding) => `${relativeTo(root, binding.file)}#${binding.name}`),
    ];
    return {
      name,
      hash,
      line,
      column,
      scope: scope.map((entry) => entry.name),
      unchanging,
      deps: deps.map(([label, own]) => [label, own]),
      state: (state ?? []).map(([stateFile, name]) => [stateFile, name]),
      explain: {
        reaches: result.tree,
        scope: result.scopeSites.filter((site) => kept.has(site.name)),
        state: result.stateSites,
        params: fn.params.map((param, paramIndex) => {
          const written = defaults.get(param.name);
          return {
            name: param.name,
            path: param.path,
            ...(written !== undefined ? { default: written } : {}),
            ignored: fn.ignore.includes(paramIndex),
          };
        }),
        ignoredVariables: result.scope.map((entry) => entry.name).filter((entryName) => !kept.has(entryName)),
        ...(fn.ttl !== undefined ? { ttl: fn.ttl } : {}),
        inputs: !fn.inputsOff,
        ...(unchanging.length > 0 ? { keyedOnce: unchanging } : {}),
        ...(result.viewBuffers ? { viewBuffers: true } : {}),
      },
    };
  });
  return {
    code: output,
    map,
    functions,
    dependencies,
    stateFiles,
    outsideNames,
    warnings: [...analysis.warnings, ...warningsOf(analysis.functions, results, file, root)],
  };
}

/** `src/h.ts`: a path relative to the root, with `/`. */
function relativeTo(root: string, file: string): string {
  return path.relative(root, stripQuery(file)).split(path.sep).join("/");
}

function warningsOf(
  functions: readonly AnalyzedFunction[],
  results: readonly FunctionDependencies[],
  file: string,
  root: string,
): CachephantWarning[] {
  const warnings: CachephantWarning[] = [];
  functions.forEach((fn, index) => {
    for (const found of results[index]!.unknowable) {
      warnings.push({
        message:
          `${relativeTo(root, found.file)}:${found.line}: ${found.construct}: the build cannot know what it does, ` +
          `so cached results of ${fn.name} (${file}:${fn.line}) may not follow it; pass what it affects as an argument, or avoid it`,
        code: "CACHEPHANT_UNKNOWABLE",
        line: found.line,
        column: 0,
      });
    }
  });
  return warnings;
}

/**
 * A module without cached functions whose changing bindings cached
 * functions elsewhere read: append the registration that hands the runtime
 * their current values. Null when it has none (or does not parse: the
 * bundler reports that).
 */
function registerModuleState(
  code: string,
  id: string,
  absolute: string,
  file: string,
  options: TransformOptions,
): TransformResult | null {
  let analysis: Analysis;
  try {
    analysis = moduleAnalysis(code, id);
  } catch (error) {
    if (!isCachephantError(error)) throw error;
    return null;
  }
  const graph = graphState(options.graph ?? createModuleGraph());
  const entry = graph.register(entryKey(id, absolute), code, analysis.ast);
  const state = registrable(moduleState(entry));
  const classes = ownClasses(entry, options.root ?? process.cwd());
  if (state.length === 0 && classes.length === 0) return null;
  const { code: output, map } = rewrite(code, analysis, [], {
    id,
    file,
    runtimeModule: options.runtimeModule ?? DEFAULT_RUNTIME,
    state,
    classes,
  });
  return { code: output, map, functions: [], dependencies: [], stateFiles: [], outsideNames: [], warnings: [] };
}

/**
 * The classes a module registers when cached functions of other modules reach
 * them (`stateFiles`): every named top-level class, so its output depends on
 * its own code alone.
 */
function ownClasses(entry: ModuleRecord, root: string): ClassEntry[] {
  return entry.scopes ? moduleClasses(entry, entry.scopes, (file) => relativeTo(root, file)) : [];
}

/**
 * The bindings a module registers: those that change, those made from a
 * run-time input at load, and exported data
 * (another module may mutate it; a getter costs nothing until a cached
 * function lists the binding).
 */
function registrable(state: ModuleState): string[] {
  return [...state.changing, ...state.inputs, ...state.exported].sort();
}

/**
 * Under which name the graph keeps the module being transformed: its path,
 * unless the code is not that file's content (`App.vue?vue&type=script`, a
 * file another plugin compiled to JavaScript), which other modules that import
 * the file see by its bytes: then a name of its own, so neither view replaces
 * the other.
 */
function entryKey(id: string, absolute: string): string {
  const query = queryOf(id);
  if (!query && CODE_FILE.test(absolute)) return absolute;
  return `${absolute}${query || "?transformed"}`;
}

/** `h.rate` may be ignored as `h`. */
function variableNames(names: readonly string[]): string[] {
  return [...new Set(names.flatMap((name) => (name.includes(".") ? [name, name.split(".")[0]!] : [name])))];
}
