import type * as t from "@babel/types";
import MagicString, { type SourceMap } from "magic-string";
import type { Analysis, AnalyzedFunction, ClassEntry, ScopeEntry } from "../key/index.js";
import { anonymousDefaultData } from "../state/index.js";
import { classRegistration, sharedClassRegistration, sharedRegistration, stateRegistration } from "./registrations.js";

/** What the dependency analysis adds to a function: the final hash, its scope values and deps. */
export interface FunctionOutput {
  hash: string;
  /** Outside variables keyed by value, sorted by name, after `ignore`. */
  scope: ScopeEntry[];
  deps: ReadonlyArray<readonly [string, string]>;
  /** Module bindings that change after load, `[file, name]`, keyed by value at call time. */
  state?: ReadonlyArray<readonly [string, string]>;
  /** Indices into `state` of bindings made by a package (`madeByPackage`). */
  packageState?: readonly number[];
  /** Indices into `state` of bindings whose data is proven never to change after load. */
  unchangingState?: readonly number[];
  /** Every module of `state` registers before it runs (see `TransformOptions.registeredAhead`). */
  stateAhead?: boolean;
  /** Code it reaches may read a typed array's `buffer` or `byteOffset`: views are keyed whole (`key/view-layout.ts`). */
  viewBuffers?: boolean;
}

/** The parts of the meta object that come from the build options. */
export interface MetaDefaults {
  /** The file, relative to the project root, with `/`. */
  file: string;
  dir?: string | undefined;
  maxSize?: string | number | undefined;
}

export interface RewriteOptions extends MetaDefaults {
  id: string;
  runtimeModule: string;
  /** Module bindings whose current values the module hands to the runtime (see `state/module-state.ts`). */
  state?: readonly string[] | undefined;
  /** Classes the module registers with the runtime (see `key/class-entries.ts`). */
  classes?: readonly ClassEntry[] | undefined;
}

/**
 * Edits the source in place (magic-string), never moving a function body:
 *
 *   async function f(a, { b = 2 }) {
 *     return __cachephant_run({ hash: "…", ... }, [a, b], async (a, b) => {
 *     ...the body as it was...
 *   }); }
 *
 * so the function keeps its name, `length`, export form and hoisting, and
 * cached functions nested in each other compose. No line is added or
 * removed, so stack traces stay right even without the source map.
 */
export function rewrite(
  code: string,
  analysis: Analysis,
  outputs: readonly FunctionOutput[],
  options: RewriteOptions,
): { code: string; map: SourceMap } {
  const s = new MagicString(code);
  const run = freeName(code, "__cachephant_run");
  analysis.functions.forEach((fn, index) => wrapFunction(s, code, fn, outputs[index]!, run, options));
  if (analysis.moduleDirective) removeDirective(s, code, analysis.moduleDirective);
  const imports: Array<[string, string]> = analysis.functions.length > 0 ? [["runCached", run]] : [];
  let registration = "";
  const own = options.state ?? [];
  if (own.length > 0) {
    // First thing the module runs: a cached function its own top-level code
    // calls can read the state (a getter read before its variable is
    // initialized throws, and that call runs uncached).
    if (analysis.format === "cjs") {
      // CommonJS loads the runtime lazily (below): register straight into the
      // registry every runtime copy shares, without loading it.
      registration = ` ${sharedRegistration(options.file, own)}`;
    } else {
      const register = freeName(code, "__cachephant_state");
      imports.push(["registerState", register]);
      // `export default { … }` has no name: it gets one, assigned where it is exported (same value, same time).
      const anonymous = own.includes("default") ? anonymousDefaultData(analysis.ast.program) : undefined;
      const name = anonymous ? freeName(code, "__cachephant_default") : "default";
      if (anonymous) {
        s.appendLeft(anonymous.start!, `(${name} = `);
        s.prependRight(anonymous.end!, ")");
      }
      const getters = own
        .filter((own) => own !== "default" || anonymous)
        .map((own): [string, string] => [own, own === "default" ? name : own]);
      registration = `${anonymous ? ` let ${name};` : ""} ${stateRegistration(register, options.file, getters)}`;
    }
  }
  const classes = options.classes ?? [];
  if (classes.length > 0) {
    // Getters, read when a result is written or read: the classes are declared further down.
    if (analysis.format === "cjs") {
      registration += ` ${sharedClassRegistration(classes)}`;
    } else {
      const register = freeName(code, "__cachephant_classes");
      imports.push(["registerClasses", register]);
      registration += ` ${classRegistration(register, classes)}`;
    }
  }
  if (imports.length > 0 || registration !== "")
    insertImport(s, code, analysis, imports, options.runtimeModule, registration);
  return {
    code: s.toString(),
    map: s.generateMap({ source: options.id, includeContent: true, hires: true }),
  };
}

function wrapFunction(
  s: MagicString,
  code: string,
  fn: AnalyzedFunction,
  output: FunctionOutput,
  run: string,
  options: RewriteOptions,
): void {
  const names = fn.params.map((param) => param.name).join(", ");
  const call = `${run}(${metaLiteral(fn, output, options)}, [${names}], async (${names}) =>`;
  // The scope values, read at call time (in a thunk: the runtime catches a
  // variable still in its temporal dead zone and runs the call uncached).
  const scope = output.scope.length > 0 ? `, () => [${output.scope.map((entry) => entry.expression).join(", ")}]` : "";
  const body = fn.node.body;
  if (body.type !== "BlockStatement") {
    // `async (x) => expr` (exported under a module directive): wrap the
    // expression; the parentheses keep an object literal or a sequence whole.
    s.appendLeft(body.start!, `${call} (`);
    s.prependRight(body.end!, `)${scope})`);
    return;
  }
  const opener = `return ${call} {`;
  const directive = fn.directive;
  if (directive && body.directives[0] === directive) {
    // The usual case: the opener takes the directive's place (same line).
    s.overwrite(directive.start!, directive.end!, opener);
  } else {
    // Another directive comes first ("use strict"), or only the module marks
    // the function: open right after `{` so every directive moves into the arrow.
    s.appendLeft(body.start! + 1, ` ${opener}`);
    if (directive) removeDirective(s, code, directive);
  }
  s.prependRight(body.end! - 1, `}${scope}); `);
}

/** Removes a directive, and its indentation when it is alone on its line (the line itself stays). */
function removeDirective(s: MagicString, code: string, directive: t.Directive): void {
  let start = directive.start!;
  const end = directive.end!;
  const lineStart = code.lastIndexOf("\n", start - 1) + 1;
  const restOfLine = code.slice(end, code.indexOf("\n", end) === -1 ? code.length : code.indexOf("\n", end));
  if (/^[ \t]*$/.test(code.slice(lineStart, start)) && /^[ \t\r]*$/.test(restOfLine)) start = lineStart;
  s.remove(start, end);
}

function metaLiteral(fn: AnalyzedFunction, output: FunctionOutput, options: MetaDefaults): string {
  const q = (value: string) => JSON.stringify(value);
  const fields = [
    `hash: ${q(output.hash)}`,
    `name: ${q(fn.name)}`,
    `file: ${q(options.file)}`,
    `line: ${fn.line}`,
    `paths: [${fn.params.map((param) => q(param.path)).join(", ")}]`,
  ];
  if (output.scope.length > 0) fields.push(`scope: [${output.scope.map((entry) => q(entry.name)).join(", ")}]`);
  // Which of them are variables of an enclosing function (values made at run time), by index.
  const closures = output.scope.flatMap((entry, index) => (entry.closure ? [index] : []));
  if (closures.length > 0) fields.push(`closures: [${closures.join(", ")}]`);
  // Which of them, and of the state, hold a package's object (a client): its private fields are the package's.
  const packageScope = output.scope.flatMap((entry, index) => (entry.package === true ? [index] : []));
  if (packageScope.length > 0) fields.push(`packageScope: [${packageScope.join(", ")}]`);
  // Which of them hold module data proven never to change after load: keyed once per process.
  const unchangingScope = output.scope.flatMap((entry, index) => (entry.unchanging === true ? [index] : []));
  if (unchangingScope.length > 0) fields.push(`unchangingScope: [${unchangingScope.join(", ")}]`);
  if (output.state && output.state.length > 0) {
    fields.push(`state: [${output.state.map(([file, name]) => `[${q(file)}, ${q(name)}]`).join(", ")}]`);
    if (output.stateAhead) fields.push("stateAhead: true");
  }
  if (output.packageState && output.packageState.length > 0)
    fields.push(`packageState: [${output.packageState.join(", ")}]`);
  if (output.unchangingState && output.unchangingState.length > 0)
    fields.push(`unchangingState: [${output.unchangingState.join(", ")}]`);
  if (output.viewBuffers === true) fields.push("viewBuffers: true");
  if (fn.ignore.length > 0) fields.push(`ignore: [${fn.ignore.join(", ")}]`);
  if (fn.ttl !== undefined) fields.push(`ttl: ${fn.ttl}`);
  if (fn.inputsOff) fields.push("inputs: false");
  // A string literal: a call allocates nothing for it, the runtime parses it only when debugging.
  fields.push(`deps: ${q(JSON.stringify(output.deps))}`);
  if (options.dir !== undefined) fields.push(`dir: ${q(options.dir)}`);
  if (options.maxSize !== undefined) {
    fields.push(`maxSize: ${typeof options.maxSize === "number" ? String(options.maxSize) : q(options.maxSize)}`);
  }
  return `{ ${fields.join(", ")} }`;
}

/**
 * The import goes after the module's other directives ("use strict",
 * "use client"), else in place of the module's `"use cache"`, else before the
 * first statement: after a hashbang and after leading comments, which may be
 * pragmas (`// @ts-nocheck`, `/** @jsxImportSource x *\/`) that must stay on top.
 * It shares an existing line, so no line moves.
 */
function insertImport(
  s: MagicString,
  code: string,
  analysis: Analysis,
  names: ReadonlyArray<[string, string]>,
  runtimeModule: string,
  after = "",
): void {
  let statement = after.trimStart();
  if (names.length > 0) {
    statement =
      (analysis.format === "cjs"
        ? lazyRuntime(code, names[0]![1], runtimeModule)
        : `import { ${names.map(([name, local]) => `${name} as ${local}`).join(", ")} } from ${JSON.stringify(runtimeModule)};`) +
      after;
  }
  const program = analysis.ast.program;
  const others = program.directives.filter((directive) => directive !== analysis.moduleDirective);
  const lastDirective = others[others.length - 1];
  // A directive may end without a semicolon (`'use strict'` then a newline):
  // the statement on its line then needs one, or the module would not parse.
  if (lastDirective)
    s.appendLeft(lastDirective.end!, `${code[lastDirective.end! - 1] === ";" ? "" : ";"} ${statement}`);
  else if (analysis.moduleDirective) s.appendLeft(analysis.moduleDirective.start!, statement);
  else s.appendLeft(program.body[0]!.start!, `${statement} `);
}

/**
 * CommonJS loads the runtime (an ES module) with `import()` on the first call:
 * that works in every output a CommonJS file ends up in, where a `require()`
 * would not (esbuild's ES module output turns a `require` of a package it
 * leaves to Node into "Dynamic require is not supported"). Calls are async
 * anyway, and every call after the first reuses the loaded module.
 */
function lazyRuntime(code: string, run: string, runtimeModule: string): string {
  const loaded = freeName(code, "__cachephant_runtime");
  return (
    `let ${loaded}; const ${run} = (...args) => ` +
    `(${loaded} || (${loaded} = import(${JSON.stringify(runtimeModule)}))).then((runtime) => runtime.runCached(...args));`
  );
}

/** `base`, or `base2`, `base3`, ... when the file already uses that name anywhere. */
function freeName(code: string, base: string): string {
  const used = (name: string) => new RegExp(`(?<![\\w$])${name.replace(/\$/g, "\\$")}(?![\\w$])`).test(code);
  if (!used(base)) return base;
  for (let n = 2; ; n++) if (!used(`${base}${n}`)) return `${base}${n}`;
}
