import traverseModule, { type NodePath } from "@babel/traverse";
import type * as t from "@babel/types";
import { type ErrorReporter, spanOf, type WarningCollector } from "../diagnostics/index.js";
import { functionName, TRANSPARENT_WRAPPERS } from "../syntax/index.js";
import { checkCacheable } from "./cacheable.js";
import { type DirectiveOptions, isCacheDirective, parseDirective } from "./directive.js";
import { intendedDirective } from "./near-miss.js";

// @babel/traverse is CommonJS: under Node's ESM interop the function is on `.default`.
const traverse = ((traverseModule as { default?: unknown }).default ?? traverseModule) as typeof traverseModule.default;

/** A function the rewrite wraps. */
export interface MarkedFunction {
  path: NodePath<t.Function>;
  /** The name in the meta object. */
  name: string;
  /** The function's own `"use cache"` directive (removed by the rewrite), if it has one. */
  directive: t.Directive | undefined;
  /** Options of its own directive; the module's fill in what it does not set. */
  options: DirectiveOptions;
  /** Marked (also) by the module-level directive. */
  byModule: boolean;
}

export interface FoundFunctions {
  /** The program, with its scopes. */
  program: NodePath<t.Program>;
  moduleDirective: t.Directive | undefined;
  moduleOptions: DirectiveOptions;
  /** In source order (an enclosing function before the ones inside it). */
  functions: MarkedFunction[];
}

/**
 * Collects every marked function and checks it, before anything is
 * rewritten: a function-level directive, or the module-level one, which marks
 * every exported async function. A `"use cache"` string that is not a
 * directive fails the build (it would silently cache nothing).
 */
export function findMarkedFunctions(
  ast: t.File,
  code: string,
  errors: ErrorReporter,
  warnings?: WarningCollector,
): FoundFunctions {
  if (warnings) warnNearMisses(ast.program.directives, "module", warnings);
  const moduleDirective = cacheDirectiveOf(ast.program.directives, errors);
  const moduleOptions = moduleDirective ? parseDirective(moduleDirective.value, errors) : {};
  const marked = new Map<t.Node, MarkedFunction>();
  let program: NodePath<t.Program> | undefined;

  traverse(ast, {
    Program(path) {
      program = path;
    },
    Function(path) {
      const body = path.node.body;
      if (body.type !== "BlockStatement") return;
      if (warnings && path.node.async) warnNearMisses(body.directives, "function", warnings);
      const directive = cacheDirectiveOf(body.directives, errors);
      if (!directive) return;
      const name = functionName(path, code);
      checkCacheable(path, name, errors);
      marked.set(path.node, {
        path,
        name,
        directive,
        options: parseDirective(directive.value, errors),
        byModule: false,
      });
    },
    ExpressionStatement(path) {
      const expression = path.node.expression;
      if (expression.type === "StringLiteral" && isCacheDirective(expression.value)) {
        throw errors.error(
          "CACHEPHANT_MISPLACED_DIRECTIVE",
          spanOf(path.node),
          `"${expression.value}" is not at the start of a function body or of the module, so it is an ordinary string and nothing would be cached`,
          `move "${expression.value}" to the top of the function body (or of the module), before any other statement`,
        );
      }
    },
  });

  if (moduleDirective && program) {
    const skipped: string[] = [];
    for (const fn of exportedFunctions(program)) {
      const existing = marked.get(fn.node);
      if (existing) {
        existing.byModule = true; // its own directive already marked it: wrap once
        continue;
      }
      // A sync function or a generator is not an "async function" the module
      // directive can cache: leave it alone, and say so once.
      if (!fn.node.async || fn.node.generator) {
        skipped.push(`${functionName(fn, code)} (${fn.node.generator ? "a generator" : "not async"})`);
        continue;
      }
      const name = functionName(fn, code);
      checkCacheable(fn, name, errors);
      marked.set(fn.node, { path: fn, name, directive: undefined, options: {}, byModule: true });
    }
    if (warnings && skipped.length > 0 && moduleDirective.loc) {
      warnings.add(
        "CACHEPHANT_MODULE_DIRECTIVE_SKIPPED",
        moduleDirective.loc.start,
        `"use cache" at the top of the module caches its exported async functions only; it leaves out ${skipped.join(", ")}. ` +
          `Make a function async to cache it, or move "use cache" into the functions to cache.`,
      );
    }
  }

  const functions = [...marked.values()].sort((a, b) => (a.path.node.start ?? 0) - (b.path.node.start ?? 0));
  return { program: program!, moduleDirective, moduleOptions, functions };
}

/** A near miss (`"use cahce"`, `"use cache:"`) caches nothing, or not what was meant: say so. */
function warnNearMisses(
  directives: readonly t.Directive[],
  where: "module" | "function",
  warnings: WarningCollector,
): void {
  for (const directive of directives) {
    const value = directive.value.value;
    const intended = intendedDirective(value, isCacheDirective(value));
    if (intended === undefined || !directive.loc) continue;
    const effect = isCacheDirective(value)
      ? "the colon introduces options, but none follow"
      : `it is not "use cache", so this ${where === "module" ? "module's functions are" : "function is"} not cached`;
    warnings.add(
      "CACHEPHANT_NEAR_MISS_DIRECTIVE",
      directive.loc.start,
      `"${value}" looks like a misspelled directive: ${effect}. Write "${intended}".`,
    );
  }
}

/** The `"use cache"` directive of a prologue; two of them is an error. */
export function cacheDirectiveOf(directives: readonly t.Directive[], errors: ErrorReporter): t.Directive | undefined {
  const found = directives.filter((directive) => isCacheDirective(directive.value.value));
  const second = found[1];
  if (second) {
    throw errors.error(
      "CACHEPHANT_DUPLICATE_DIRECTIVE",
      spanOf(second),
      `"use cache" appears twice at the start of the same body`,
      `keep one directive and put all options in it: "use cache: ignore=a,b; ttl=1h"`,
    );
  }
  return found[0];
}

/** The local functions the module exports, in any export form (the module directive marks the async ones). */
function exportedFunctions(program: NodePath<t.Program>): Set<NodePath<t.Function>> {
  const found = new Set<NodePath<t.Function>>();
  const add = (path: NodePath) => {
    const fn = unwrapTypeScript(path);
    if (fn.isFunctionExpression() || fn.isArrowFunctionExpression() || fn.isFunctionDeclaration()) found.add(fn);
  };
  const addLocal = (name: string) => {
    const binding = program.scope.getBinding(name);
    if (!binding) return;
    if (binding.path.isFunctionDeclaration()) add(binding.path);
    else if (binding.path.isVariableDeclarator()) add(binding.path.get("init") as NodePath);
  };

  for (const statement of program.get("body")) {
    if (statement.isExportNamedDeclaration()) {
      const declaration = statement.get("declaration");
      if (declaration.isFunctionDeclaration()) add(declaration);
      else if (declaration.isVariableDeclaration()) {
        for (const declarator of declaration.get("declarations")) add(declarator.get("init") as NodePath);
      } else if (!statement.node.source) {
        for (const specifier of statement.get("specifiers")) {
          if (specifier.isExportSpecifier()) addLocal(specifier.node.local.name);
        }
      }
    } else if (statement.isExportDefaultDeclaration()) {
      const declaration = statement.get("declaration") as NodePath;
      if (declaration.isIdentifier()) addLocal(declaration.node.name);
      else add(declaration);
    }
  }
  return found;
}

/** `(async () => {}) as Handler` is still that arrow. */
function unwrapTypeScript(path: NodePath): NodePath {
  let current = path;
  while (current.node && TRANSPARENT_WRAPPERS.has(current.node.type)) current = current.get("expression");
  return current;
}
