import type { NodePath } from "@babel/traverse";
import type * as t from "@babel/types";
import { type CachephantWarning, ErrorReporter, spanOf, WarningCollector } from "../diagnostics/index.js";
import { findMarkedFunctions, type FoundFunctions, type MarkedFunction } from "../directive/index.js";
import {
  functionStart,
  type ModuleFormat,
  type ParsedFile,
  parseFile,
  type ResolvedParam,
  resolveParams,
  scopesOf,
} from "../syntax/index.js";
import { hashFunction, type HashInput } from "./hash.js";
import { type NormalizedCode, normalizeFunction } from "./normalize.js";

/** One marked function, checked and hashed, ready to rewrite. */
export interface AnalyzedFunction {
  node: t.Function;
  path: NodePath<t.Function>;
  name: string;
  /** 1-based line and 0-based column of the function's start. */
  line: number;
  column: number;
  /** The function's own directive, removed by the rewrite (undefined when only the module's marks it). */
  directive: t.Directive | undefined;
  /** The key values: parameter bindings after defaults and destructuring. */
  params: ResolvedParam[];
  /** Indices into `params` left out of the key. */
  ignore: number[];
  /**
   * `ignore` names that are not parameters: outside variables left out of
   * `scope`. `own` ones come from the function's directive and must each name
   * such a variable; module-level ones apply where they do.
   */
  ignoreOther: { own: string[]; inherited: string[]; fromModule: boolean };
  ttl: number | undefined;
  /** `inputs=off` in its directive (or the module's). */
  inputsOff: boolean;
  /** What the hash covers; `hashFunction(hashInput, dependencies)` re-hashes with dependencies. */
  hashInput: HashInput;
  /** Names the function reads from outside itself. */
  freeNames: string[];
  /** The normalized code: free names and how they are used. */
  code: NormalizedCode;
  /** The hash of the function's own code, without what it reaches (the transform folds that in). */
  hash: string;
}

export interface Analysis {
  ast: t.File;
  format: ModuleFormat;
  moduleDirective: t.Directive | undefined;
  /** The module directive's `ignore` names. */
  moduleIgnore: string[];
  /** Makes build errors with code frames of this file. */
  errors: ErrorReporter;
  functions: AnalyzedFunction[];
  /** Build warnings (near-miss directives), in source order. */
  warnings: CachephantWarning[];
}

const QUOTED_DIRECTIVE = /["']\s*use cache/;

/**
 * Parses, finds, checks and hashes every marked function of a file.
 * Returns null when the file has no `"use cache"` directive at all.
 * Throws `CachephantBuildError` for anything that must fail the build.
 */
export function analyzeFunctions(code: string, id: string): Analysis | null {
  const errors = new ErrorReporter(code, id);
  let parsed: ParsedFile;
  try {
    parsed = parseFile(code, id, errors);
  } catch (error) {
    // A file we cannot parse but that has no quoted "use cache" (only a
    // comment mentions it) cannot need us: leave it to the bundler.
    if (!QUOTED_DIRECTIVE.test(code)) return null;
    throw error;
  }
  const { ast, format } = parsed;
  const warnings = new WarningCollector(id, code);
  const found = findMarkedFunctions(ast, code, errors, warnings);
  if (!found.moduleDirective && found.functions.length === 0 && warnings.warnings.length === 0) return null;
  const scopes = scopesOf(ast);
  const functions = resolveOptions(found, code).map(
    ({ fn, params, ignore, ignoreOther, ttl, inputsOff }): AnalyzedFunction => {
      const node = fn.path.node;
      const start = functionStart(node);
      const normalized = normalizeFunction(node, fn.directive, scopes);
      // A module-level name that is not a parameter may name an outside variable of this function.
      const inherited = ignoreOther.inherited.filter((name) => normalized.freeNames.includes(name));
      const ignoredNames = [...new Set([...ignoreOther.own, ...inherited])].sort();
      const hashInput: HashInput = {
        name: fn.name,
        async: node.async === true,
        generator: node.generator === true,
        ignore,
        ...(ignoredNames.length > 0 ? { ignoredNames } : {}),
        normalized: normalized.text,
        ...(inputsOff ? { inputsOff } : {}),
      };
      return {
        node,
        path: fn.path,
        name: fn.name,
        line: start.line,
        column: start.column,
        directive: fn.directive,
        params,
        ignore,
        ignoreOther: { own: ignoreOther.own, inherited, fromModule: ignoreOther.fromModule },
        ttl,
        inputsOff,
        hashInput,
        freeNames: normalized.freeNames,
        code: normalized,
        hash: hashFunction(hashInput),
      };
    },
  );
  return {
    ast,
    format,
    moduleDirective: found.moduleDirective,
    moduleIgnore: found.moduleOptions.ignore ?? [],
    errors,
    functions,
    warnings: warnings.warnings,
  };
}

/** A module without cached functions, parsed for its state registration. Throws on syntax errors. */
export function moduleAnalysis(code: string, id: string): Analysis {
  const errors = new ErrorReporter(code, id);
  const { ast, format } = parseFile(code, id, errors);
  return { ast, format, moduleDirective: undefined, moduleIgnore: [], errors, functions: [], warnings: [] };
}

interface ResolvedOptions {
  fn: MarkedFunction;
  params: ResolvedParam[];
  ignore: number[];
  ignoreOther: { own: string[]; inherited: string[]; fromModule: boolean };
  ttl: number | undefined;
  inputsOff: boolean;
}

/**
 * Turns `ignore` names that name parameters into parameter positions and
 * merges the module's options under each function's own (an option in the
 * function's directive wins). Other names may name outside variables the
 * function reads; `checkIgnoredNames` checks them once those are known.
 */
function resolveOptions(found: FoundFunctions, code: string): ResolvedOptions[] {
  const { moduleOptions } = found;
  return found.functions.map((fn) => {
    const params = resolveParams(fn.path.node.params, code);
    const inherited = fn.byModule ? moduleOptions : {};
    const ttl = fn.options.ttl ?? inherited.ttl;
    const inputsOff = (fn.options.inputs ?? inherited.inputs) === false;
    const ignore: number[] = [];
    const fromModule = !fn.options.ignore && inherited.ignore !== undefined;
    const ignoreOther = { own: [] as string[], inherited: [] as string[], fromModule };
    const names = fn.options.ignore ?? inherited.ignore ?? [];
    for (const name of names) {
      const index = params.findIndex((param) => param.name === name);
      if (index !== -1) ignore.push(index);
      else if (fn.options.ignore) ignoreOther.own.push(name);
      else ignoreOther.inherited.push(name);
    }
    return { fn, params, ignore: ignore.sort((a, b) => a - b), ignoreOther, ttl, inputsOff };
  });
}

/**
 * Checks the `ignore` names that are not parameters, once the outside
 * variables of each function (`scopeNames`, by function) are known: a name in
 * a function's own directive must name a parameter or such a variable of
 * that function; a name in the module's directive must name one of either in
 * at least one function it caches.
 */
export function checkIgnoredNames(analysis: Analysis, scopeNames: ReadonlyArray<readonly string[]>): void {
  const { errors, moduleDirective } = analysis;
  const moduleIgnoreUsed = new Set<string>();
  analysis.functions.forEach((fn, index) => {
    const variables = scopeNames[index] ?? [];
    if (fn.ignoreOther.fromModule) for (const position of fn.ignore) moduleIgnoreUsed.add(fn.params[position]!.name);
    for (const name of fn.ignoreOther.own) {
      if (!variables.includes(name)) throw unknownIgnoredName(fn, name, variables, errors);
    }
    for (const name of fn.ignoreOther.inherited) if (variables.includes(name)) moduleIgnoreUsed.add(name);
  });
  const unused = analysis.moduleIgnore.find((name) => !moduleIgnoreUsed.has(name));
  if (moduleDirective && unused !== undefined) {
    throw errors.error(
      "CACHEPHANT_BAD_OPTION",
      spanOf(moduleDirective.value),
      `\`ignore\` in the module's "use cache" names \`${unused}\`, which is neither a parameter nor an outside variable of any function it caches`,
      "fix the name, or remove it from `ignore`",
    );
  }
}

function unknownIgnoredName(
  fn: AnalyzedFunction,
  name: string,
  variables: readonly string[],
  errors: ErrorReporter,
): Error {
  const list = (names: readonly string[]) => names.map((n) => `\`${n}\``).join(", ");
  const params = fn.params.map((param) => param.name);
  const parts = [
    ...(params.length > 0 ? [`a parameter (after destructuring) of \`${fn.name}\`: ${list(params)}`] : []),
    ...(variables.length > 0 ? [`an outside variable \`${fn.name}\` reads: ${list(variables)}`] : []),
  ];
  return errors.error(
    "CACHEPHANT_BAD_OPTION",
    spanOf(fn.directive!.value),
    `\`ignore\` in "use cache" names \`${name}\`, which is neither a parameter of \`${fn.name}\` nor an outside variable it reads`,
    parts.length === 0
      ? `\`${fn.name}\` has no parameters and reads no outside variables: remove \`ignore\``
      : `name ${parts.join("; or ")}`,
  );
}
