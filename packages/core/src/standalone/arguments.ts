/**
 * Resolved arguments for a function no build step rewrote. The build step
 * keys a call by its parameter bindings after defaults and destructuring,
 * read inside the function. A wrapper outside the function gets the same
 * values from a resolver: a function with the same parameter list returning
 * the bindings (`resolveParams`' order and paths), created in the global
 * scope. Defaults evaluate there like inside the function only when they
 * read nothing but literals and earlier parameters; any other default (a
 * call, an outside variable) is not evaluated, and the argument it would
 * replace is keyed as passed (`undefined` when omitted), so `f()` and
 * `f(undefined)` still share an entry and an outside value is never guessed.
 */
import { parseExpression } from "@babel/parser";
import type { NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { PRIMITIVE_LITERALS, resolveParams, runtimeParams } from "../syntax/index.js";

/** The call's arguments → the resolved values, in the order of `paths`. Throws what the parameter list throws (`({ a }) => …` called with `null`). */
export type ArgumentResolver = (args: readonly unknown[]) => unknown[];

export interface ResolvedArguments {
  /** The binding each value is, by name; undefined for an argument keyed as passed. */
  names: Array<string | undefined>;
  /** Where each value comes from: `args[0]`, `args[1].sep`. */
  paths: string[];
  /** Bindings the key does not see one by one: their default reads from outside the parameters. */
  collapsed: Set<string>;
  resolve: ArgumentResolver;
}

const RAW = "$cachephant$arg";

/** Builds the resolver of `fn`'s parameters; `code` is the text `fn` was parsed from. */
export function argumentResolver(fn: NodePath<t.Function>, code: string): ResolvedArguments {
  const params = runtimeParams(fn.node.params);
  const bound = new Set<string>();
  for (const param of params) for (const name of Object.keys(t.getBindingIdentifiers(param))) bound.add(name);
  const collapsed = new Set<string>();
  const replacements: Array<{ node: t.Node; raw: string }> = [];
  const collapse = (node: t.Node) => {
    for (const name of Object.keys(t.getBindingIdentifiers(node))) collapsed.add(name);
    replacements.push({ node, raw: `${RAW}${replacements.length}` });
  };
  const available = (name: string) => bound.has(name) && !collapsed.has(name);

  for (const param of params) {
    const pattern = param.type === "RestElement" ? param.argument : param;
    if (hasOpaqueKey(pattern, available)) collapse(pattern);
    else visitDefaults(pattern, available, collapse);
  }

  const start = params[0]?.start ?? 0;
  let text = "";
  let at = start;
  for (const { node, raw } of replacements.sort((a, b) => a.node.start! - b.node.start!)) {
    text += code.slice(at, node.start!) + raw;
    at = node.end!;
  }
  text += params.length === 0 ? "" : code.slice(at, params[params.length - 1]!.end!);

  const parsed = parseExpression(`(function (${text}) {})`, {
    createParenthesizedExpressions: false,
  }) as t.FunctionExpression;
  const resolved = resolveParams(parsed.params, `(function (${text}) {})`);
  const names = resolved.map((param) => (param.name.startsWith(RAW) ? undefined : param.name));
  // Built from the function's own parameter text: no outside input reaches it.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call -- the parameter list's own defaults must run as written
  const resolve = new Function(
    `return function (${text}) { return [${resolved.map((param) => param.name).join(", ")}]; };`,
  )() as (...args: unknown[]) => unknown[];
  return {
    names,
    paths: resolved.map((param) => param.path),
    collapsed,
    resolve: (args) => resolve(...args),
  };
}

/** Walks a pattern in evaluation order, collapsing each default that is not plain. */
function visitDefaults(node: t.Node, available: (name: string) => boolean, collapse: (node: t.Node) => void): void {
  switch (node.type) {
    case "AssignmentPattern":
      if (!isPlain(node.right, available)) {
        collapse(node);
        return;
      }
      visitDefaults(node.left, available, collapse);
      return;
    case "ArrayPattern":
      for (const element of node.elements) if (element) visitDefaults(element, available, collapse);
      return;
    case "ObjectPattern":
      for (const property of node.properties)
        visitDefaults(property.type === "RestElement" ? property : property.value, available, collapse);
      return;
    case "RestElement":
      visitDefaults(node.argument, available, collapse);
      return;
    default:
      return;
  }
}

/** A computed key in a pattern (`{ [k]: v }`) that is not plain: the whole parameter is keyed as passed. */
function hasOpaqueKey(node: t.Node, available: (name: string) => boolean): boolean {
  switch (node.type) {
    case "AssignmentPattern":
      return hasOpaqueKey(node.left, available);
    case "ArrayPattern":
      return node.elements.some((element) => element !== null && hasOpaqueKey(element, available));
    case "ObjectPattern":
      return node.properties.some((property) =>
        property.type === "RestElement"
          ? hasOpaqueKey(property.argument, available)
          : (property.computed && !isPlain(property.key, available)) || hasOpaqueKey(property.value, available),
      );
    case "RestElement":
      return hasOpaqueKey(node.argument, available);
    default:
      return false;
  }
}

// Free names a plain default may read: they mean the same everywhere.
const CONSTANTS = new Set(["undefined", "NaN", "Infinity"]);

/**
 * Literals, object/array/template literals, operators and member reads over
 * them and over parameters: the value is the same wherever it is evaluated.
 * No calls, no functions, no outside names, nothing that assigns.
 */
function isPlain(node: t.Node | null | undefined, available: (name: string) => boolean): boolean {
  if (node == null || PRIMITIVE_LITERALS.has(node.type)) return true;
  switch (node.type) {
    case "RegExpLiteral":
      return true;
    case "Identifier":
      return available(node.name) || CONSTANTS.has(node.name);
    case "TemplateLiteral":
      return node.expressions.every((expression) => isPlain(expression, available));
    case "ArrayExpression":
      return node.elements.every((element) => isPlain(element, available));
    case "SpreadElement":
      return isPlain(node.argument, available);
    case "ObjectExpression":
      return node.properties.every(
        (property) =>
          (property.type === "ObjectProperty" &&
            (!property.computed || isPlain(property.key, available)) &&
            isPlain(property.value, available)) ||
          (property.type === "SpreadElement" && isPlain(property.argument, available)),
      );
    case "UnaryExpression":
      return node.operator !== "delete" && isPlain(node.argument, available);
    case "BinaryExpression":
    case "LogicalExpression":
      return node.left.type !== "PrivateName" && isPlain(node.left, available) && isPlain(node.right, available);
    case "ConditionalExpression":
      return isPlain(node.test, available) && isPlain(node.consequent, available) && isPlain(node.alternate, available);
    case "SequenceExpression":
      return node.expressions.every((expression) => isPlain(expression, available));
    case "MemberExpression":
    case "OptionalMemberExpression":
      if (node.property.type === "PrivateName") return false;
      return isPlain(node.object, available) && (!node.computed || isPlain(node.property, available));
    default:
      return false;
  }
}
