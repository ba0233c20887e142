/**
 * Parsing one function or class given as source text (its `toString()`), on
 * its own: as an expression or as the one method of an object literal.
 */
import { parse } from "@babel/parser";
import traverseModule, { type NodePath } from "@babel/traverse";
import type * as t from "@babel/types";
import { ErrorReporter, spanOf } from "../diagnostics/index.js";

// @babel/traverse is CommonJS: under Node's ESM interop the function is on `.default`.
const traverse = ((traverseModule as { default?: unknown }).default ?? traverseModule) as typeof traverseModule.default;

export interface ParsedFunction {
  path: NodePath<t.Function>;
  ast: t.File;
  /** The text that was parsed (source positions in the AST refer to it). */
  code: string;
  errors: ErrorReporter;
}

// How `toString()` may spell a function: an expression (`async function f() {}`,
// `async (a) => a`, `class X {}`), or a method (`async load(x) {}`, `async [k]() {}`).
const WRAPPINGS: ReadonlyArray<readonly [string, string]> = [
  ["(", "\n)"],
  ["({", "\n})"],
];

export function parseFunction(source: string, file: string, origin?: { line: number; column: number }): ParsedFunction {
  const parsed = parseFunctionOrClass(source, file, origin);
  if (!parsed.path.isFunction()) {
    throw parsed.errors.error(
      "CACHEPHANT_PARSE",
      spanOf(parsed.path.node),
      "cached() needs a function, found a class",
      "wrap an async function",
    );
  }
  return parsed as ParsedFunction;
}

export function parseFunctionOrClass(
  source: string,
  file: string,
  origin?: { line: number; column: number },
): { path: NodePath<t.Function | t.Class>; ast: t.File; code: string; errors: ErrorReporter; added: number } {
  let firstError: unknown;
  for (const [open, close] of WRAPPINGS) {
    const code = `${open}${source}${close}`;
    let ast: t.File;
    try {
      ast = parse(code, {
        sourceType: "script",
        createParenthesizedExpressions: false,
        errorRecovery: false,
        plugins: ["jsx"],
      });
    } catch (error) {
      firstError ??= error;
      continue;
    }
    const errors = new ErrorReporter(code, file, origin && { ...origin, added: open.length });
    let found: NodePath<t.Function | t.Class> | undefined;
    const stop = (path: NodePath<t.Function | t.Class>) => {
      found ??= path;
      path.stop();
    };
    traverse(ast, { Function: stop, Class: stop });
    const statement = ast.program.body[0];
    if (
      found &&
      ast.program.body.length === 1 &&
      statement?.type === "ExpressionStatement" &&
      isWhole(found.node, statement.expression)
    ) {
      return { path: found, ast, code, errors, added: open.length };
    }
  }
  const message = firstError instanceof Error ? firstError.message.replace(/\s*\(\d+:\d+\)$/, "") : "not a function";
  throw new ErrorReporter(source, file, origin && { ...origin, added: 0 }).error(
    "CACHEPHANT_PARSE",
    { start: { line: 1, column: 0 } },
    `cannot read the function's source text: ${message}`,
    "wrap a function written in plain JavaScript or TypeScript (its `toString()` must be its source)",
  );
}

/** The parsed source is the function itself (or the one method of `({ ... })`), nothing around it. */
function isWhole(found: t.Node, expression: t.Expression): boolean {
  if (expression === found) return true;
  return (
    expression.type === "ObjectExpression" && expression.properties.length === 1 && expression.properties[0] === found
  );
}
