/**
 * The normalized code, hash inputs and free names of one function given as
 * source text, with the same rules as `transform` (see `src/standalone.ts`).
 */
import { createHash } from "node:crypto";
import traverseModule, { type NodePath } from "@babel/traverse";
import type * as t from "@babel/types";
import { ErrorReporter, isCachephantError, spanOf } from "../diagnostics/index.js";
import {
  cacheDirectiveOf,
  checkCacheable,
  type DirectiveOptions,
  isCacheDirective,
  parseDirective,
} from "../directive/index.js";
import {
  FORMAT_VERSION,
  hashFunction,
  type HashInput,
  normalizeDeclaration,
  normalizeFunction,
  readsViewLayout,
} from "../key/index.js";
import { parseFile, scopesOf } from "../syntax/index.js";
import { argumentResolver, type ArgumentResolver } from "./arguments.js";
import { parseFunction, parseFunctionOrClass } from "./parse-function.js";

// @babel/traverse is CommonJS: under Node's ESM interop the function is on `.default`.
const traverse = ((traverseModule as { default?: unknown }).default ?? traverseModule) as typeof traverseModule.default;

export interface StandaloneOptions {
  /** The function's name (part of the hash, as in the build step). */
  name: string;
  /** Where the function was defined, for error messages. */
  file: string;
  /** `ignore` given outside the source; an error when the directive sets it too. */
  ignore?: readonly string[] | undefined;
  /** `ttl` (ms) given outside the source; an error when the directive sets it too. */
  ttl?: number | undefined;
  /** `false`: its run-time inputs are not recorded (`inputs=off`); an error when the directive sets it too. */
  inputs?: false | undefined;
  /**
   * Helpers the function uses, by label: their hashes (`helperFacts`, or a
   * wrapped function's own hash), folded into the function's hash.
   */
  uses?: ReadonlyMap<string, string> | undefined;
  /** Where the source starts in `file` (1-based line, 0-based column): errors point there. */
  origin?: { line: number; column: number } | undefined;
}

/** One function, analyzed from its source text. */
export interface StandaloneFunction {
  /** Hash of the normalized code and of the helpers in `uses`. */
  hash: string;
  /** Where each resolved value comes from: `args[0]`, `args[1].sep`. */
  paths: string[];
  /** Indices into the resolved values left out of the key. */
  ignore: number[];
  ttl: number | undefined;
  /** `inputs=off` (in the directive or the options). */
  inputsOff: boolean;
  /** `[label, hash]` pairs: `["own code", …]` first, then each helper. */
  deps: Array<[string, string]>;
  /** The call's arguments → the values the key covers (see `arguments.ts`). */
  resolve: ArgumentResolver;
  /** Its code may read a typed array's `buffer` or `byteOffset`: views are keyed whole (`key/view-layout.ts`). */
  viewBuffers: boolean;
}

/**
 * Parses `source` (a function expression, arrow or method as `toString()`
 * gives it), checks it as the build step checks a marked function, and
 * hashes it. Throws `CachephantBuildError` (`CACHEPHANT_PARSE`,
 * `CACHEPHANT_NOT_ASYNC`, `CACHEPHANT_USES_THIS`, `CACHEPHANT_BAD_OPTION`, ...).
 */
export function analyzeFunctionSource(source: string, options: StandaloneOptions): StandaloneFunction {
  const { path, ast, code, errors } = parseFunction(source, options.file, options.origin);
  checkCacheable(path, options.name, errors);
  const body = path.node.body;
  const directive = body.type === "BlockStatement" ? cacheDirectiveOf(body.directives, errors) : undefined;
  const fromDirective: DirectiveOptions = directive ? parseDirective(directive.value, errors) : {};
  const given = (option: "ignore" | "ttl" | "inputs") => {
    if (directive && fromDirective[option] !== undefined) {
      throw errors.error(
        "CACHEPHANT_BAD_OPTION",
        spanOf(directive.value),
        `\`${option}\` of \`${options.name}\` is set both in its "use cache" directive and in the options of cached()`,
        `keep one of the two`,
      );
    }
  };
  if (options.ignore !== undefined) given("ignore");
  if (options.ttl !== undefined) given("ttl");
  if (options.inputs !== undefined) given("inputs");
  const inputsOff = (fromDirective.inputs ?? options.inputs) === false;

  const resolver = argumentResolver(path, code);
  const ignoreNames = fromDirective.ignore ?? options.ignore ?? [];
  const ignore: number[] = [];
  for (const name of ignoreNames) {
    const index = resolver.names.indexOf(name);
    if (index === -1) {
      const known = resolver.names.filter((n) => n !== undefined);
      throw errors.error(
        "CACHEPHANT_BAD_OPTION",
        spanOf(directive ? directive.value : path.node),
        `\`ignore\` names \`${name}\`, which is not a parameter of \`${options.name}\`` +
          (resolver.collapsed.has(name)
            ? " the key can see: its default reads a value from outside the parameters"
            : ""),
        known.length > 0
          ? `name a parameter (after destructuring): ${known.map((n) => `\`${n}\``).join(", ")}`
          : "remove `ignore`",
      );
    }
    if (!ignore.includes(index)) ignore.push(index);
  }
  ignore.sort((a, b) => a - b);

  const normalized = normalizeFunction(path.node, directive, scopesOf(ast));
  const hashInput: HashInput = {
    name: options.name,
    async: true,
    generator: false,
    ignore,
    normalized: normalized.text,
    ...(inputsOff ? { inputsOff } : {}),
  };
  const own = hashFunction(hashInput);
  const uses = options.uses ?? new Map<string, string>();
  const deps: Array<[string, string]> = [["own code", own]];
  for (const [label, hash] of [...uses].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    deps.push([`helper ${label} (uses)`, hash]);
  return {
    hash: uses.size === 0 ? own : hashFunction(hashInput, uses),
    paths: resolver.paths,
    ignore,
    ttl: fromDirective.ttl ?? options.ttl,
    inputsOff,
    deps,
    resolve: resolver.resolve,
    viewBuffers: readsViewLayout(path.node),
  };
}

/** What a helper named in `uses` (a function or a class, from `toString()`) adds to a wrapped function's analysis. */
export interface HelperFacts {
  /** Its normalized code's hash, as the build step hashes a helper's own code. */
  hash: string;
  /** Whether it may read a typed array's `buffer` or `byteOffset` (`key/view-layout.ts`). */
  viewLayout: boolean;
}

/** The facts of a helper named in `uses`, from one parse of its source. */
export function helperFacts(source: string, file: string): HelperFacts {
  const { path, ast } = parseFunctionOrClass(source, file);
  const text = normalizeDeclaration(path.node, scopesOf(ast)).text;
  return {
    hash: createHash("sha256").update(`cachephant-format ${FORMAT_VERSION}\nhelper ${text}`).digest("hex").slice(0, 32),
    viewLayout: readsViewLayout(path.node),
  };
}

/** What a function's or class's source text says about what it can see (see `freeNamesOfSource`). */
export interface SourceFacts {
  /** Names it reads from outside its own text, sorted (known globals included; see `KNOWN_GLOBALS`). */
  free: string[];
  /** A class (or a class in its text) declares private members (`#x`), which no one outside can read. */
  privateMembers: boolean;
  /**
   * For a class: the names its body (methods, getters, fields, static blocks) reads from outside its text, sorted
   * (known globals included). The `extends` clause is left out: the runtime reads the superclass's own source up
   * the prototype chain.
   */
  classReads?: string[];
}

/**
 * The free names of a function or class given as source text
 * (`Function.prototype.toString()`), by the same scope analysis the build
 * uses: the runtime keys a function value by its source only when these are
 * all known globals, and `cached()` warns about the others. Throws
 * `CachephantBuildError` when the text is not a function or class
 * (`[native code]`).
 */
export function freeNamesOfSource(source: string): SourceFacts {
  const { path, ast, added } = parseFunctionOrClass(source, "<source>");
  const free = freeNamesOf(path, ast);
  let privateMembers = false;
  traverse(ast, {
    PrivateName(inner) {
      privateMembers = true;
      inner.stop();
    },
  });
  if (!path.isClass()) return { free, privateMembers };
  const heritage = path.node.superClass;
  if (heritage == null) return { free, privateMembers, classReads: free };
  // The body's reads alone: the same text with the superclass expression read as a known global.
  const bodyOnly = parseFunctionOrClass(
    `${source.slice(0, heritage.start! - added)}Object${source.slice(heritage.end! - added)}`,
    "<source>",
  );
  const classReads = freeNamesOf(bodyOnly.path, bodyOnly.ast).filter(
    (name) => name !== "Object" || free.includes("Object"),
  );
  return { free, privateMembers, classReads };
}

function freeNamesOf(path: NodePath<t.Function | t.Class>, ast: t.File): string[] {
  const free = normalizeDeclaration(path.node, scopesOf(ast)).freeNames;
  // A function's own `arguments` (an arrow's is its enclosing function's).
  if (path.isFunction() && path.node.type !== "ArrowFunctionExpression")
    return free.filter((name) => name !== "arguments");
  return free;
}

/**
 * Lines of the functions in a module that are passed to a `cached(...)` call
 * and start with a `"use cache"` directive: under Bun, whose transpiler drops
 * directives from the functions it loads, the runtime checks the caller's
 * file with this, so the directive's options are not silently lost. A file
 * that does not parse has none.
 */
export function cachedCallsWithDirective(code: string, file: string): number[] {
  let ast: t.File;
  try {
    ast = parseFile(code, file, new ErrorReporter(code, file)).ast;
  } catch (error) {
    if (!isCachephantError(error)) throw error;
    return [];
  }
  const lines: number[] = [];
  traverse(ast, {
    CallExpression(path) {
      const { callee, arguments: args } = path.node;
      const name =
        callee.type === "Identifier"
          ? callee.name
          : callee.type === "MemberExpression" && callee.property.type === "Identifier"
            ? callee.property.name
            : "";
      const fn = args[0];
      if (name !== "cached" || !fn || (fn.type !== "FunctionExpression" && fn.type !== "ArrowFunctionExpression"))
        return;
      if (
        fn.body.type === "BlockStatement" &&
        fn.body.directives.some((directive) => isCacheDirective(directive.value.value))
      ) {
        lines.push(fn.loc?.start.line ?? 0);
      }
    },
  });
  return lines;
}
