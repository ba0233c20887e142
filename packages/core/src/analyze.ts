import type * as t from "@babel/types";
import { ErrorReporter, spanOf } from "./errors.js";
import { findMarkedFunctions, type FoundFunctions, type MarkedFunction } from "./find.js";
import { hashFunction, type HashInput } from "./hash.js";
import { functionStart } from "./names.js";
import { normalizeFunction } from "./normalize.js";
import { parseFile, type ModuleFormat, type ParsedFile } from "./parse.js";
import { resolveParams, type ResolvedParam } from "./params.js";

/** One marked function, checked and hashed, ready to rewrite. */
export interface AnalyzedFunction {
  node: t.Function;
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
  ttl: number | undefined;
  /** What the hash covers; `hashFunction(hashInput, dependencies)` re-hashes with dependencies. */
  hashInput: HashInput;
  /** Names the function reads from outside itself (hashed by name only, for now). */
  freeNames: string[];
  hash: string;
}

export interface Analysis {
  ast: t.File;
  format: ModuleFormat;
  moduleDirective: t.Directive | undefined;
  functions: AnalyzedFunction[];
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
  const found = findMarkedFunctions(ast, code, errors);
  if (!found.moduleDirective && found.functions.length === 0) return null;
  const functions = resolveOptions(found, code, errors).map(({ fn, params, ignore, ttl }) => {
    const node = fn.path.node;
    const start = functionStart(node);
    const normalized = normalizeFunction(fn.path, fn.directive);
    const hashInput: HashInput = {
      name: fn.name,
      async: node.async === true,
      generator: node.generator === true,
      ignore,
      normalized: normalized.text,
    };
    return {
      node,
      name: fn.name,
      line: start.line,
      column: start.column,
      directive: fn.directive,
      params,
      ignore,
      ttl,
      hashInput,
      freeNames: normalized.freeNames,
      hash: hashFunction(hashInput),
    };
  });
  return { ast, format, moduleDirective: found.moduleDirective, functions };
}

interface ResolvedOptions {
  fn: MarkedFunction;
  params: ResolvedParam[];
  ignore: number[];
  ttl: number | undefined;
}

/**
 * Turns `ignore` names into parameter positions and merges the module's
 * options under each function's own (an option in the function's directive
 * wins). A module-level `ignore` applies to the functions that have such a
 * parameter, and must match at least one of them; a function-level one must
 * name parameters of that function.
 */
function resolveOptions(found: FoundFunctions, code: string, errors: ErrorReporter): ResolvedOptions[] {
  const { moduleOptions, moduleDirective } = found;
  const moduleIgnoreUsed = new Set<string>();
  const resolved = found.functions.map((fn) => {
    const params = resolveParams(fn.path.node.params, code);
    const inherited = fn.byModule ? moduleOptions : {};
    const ttl = fn.options.ttl ?? inherited.ttl;
    const ignore: number[] = [];
    if (fn.options.ignore) {
      for (const name of fn.options.ignore) {
        const index = params.findIndex((param) => param.name === name);
        if (index === -1) throw unknownParameter(fn, name, params, errors);
        ignore.push(index);
      }
    } else if (inherited.ignore) {
      for (const name of inherited.ignore) {
        const index = params.findIndex((param) => param.name === name);
        if (index === -1) continue;
        moduleIgnoreUsed.add(name);
        ignore.push(index);
      }
    }
    return { fn, params, ignore: ignore.sort((a, b) => a - b), ttl };
  });
  const unused = moduleOptions.ignore?.find((name) => !moduleIgnoreUsed.has(name));
  if (moduleDirective && unused !== undefined) {
    throw errors.error(
      "CACHEPHANT_BAD_OPTION",
      spanOf(moduleDirective.value),
      `\`ignore\` in the module's "use cache" names \`${unused}\`, which is not a parameter of any function it caches`,
      "fix the name, or remove it from `ignore`",
    );
  }
  return resolved;
}

function unknownParameter(fn: MarkedFunction, name: string, params: ResolvedParam[], errors: ErrorReporter): Error {
  const names = params.map((param) => `\`${param.name}\``).join(", ");
  return errors.error(
    "CACHEPHANT_BAD_OPTION",
    spanOf(fn.directive!.value),
    `\`ignore\` in "use cache" names \`${name}\`, which is not a parameter of \`${fn.name}\``,
    params.length === 0
      ? `\`${fn.name}\` has no parameters: remove \`ignore\``
      : `name parameters (after destructuring) of \`${fn.name}\`: ${names}`,
  );
}
