/**
 * How code uses a module-level binding at one reference: reads it, mutates it,
 * calls it, or lets it escape where the analysis cannot follow.
 */
import * as t from "@babel/types";
import { memberName, type ModuleScopes, TRANSPARENT_WRAPPERS } from "../syntax/index.js";
import { CALLBACK_METHODS, MUTATING_CALLS, MUTATING_METHODS, READ_METHODS, READING_CALLS } from "./method-effects.js";

export type Use = "read" | "mutate" | "call" | "escape";

/** `Object.assign`, `console.log`, `fn`: the dotted name of a callee, when it is one. */
export function calleeName(node: t.Node): string | undefined {
  while (TRANSPARENT_WRAPPERS.has(node.type)) node = (node as t.TSAsExpression).expression;
  if (node.type === "Identifier") return node.name;
  const member = memberName(node);
  if (member === undefined) return undefined;
  const object = calleeName((node as t.MemberExpression).object);
  return object === undefined ? undefined : `${object}.${member}`;
}

function isReadingCall(name: string | undefined): boolean {
  return name !== undefined && (READING_CALLS.has(name) || name.startsWith("Math.") || name.startsWith("console."));
}

/**
 * How a reference uses its binding: reads it, mutates it (or a part of it),
 * calls a method of unknown effect on it (`call`), or lets it escape where
 * the analysis cannot follow.
 */
export function useOf(reference: t.Node, scopes: ModuleScopes): Use {
  let current = reference;
  let depth = 0;
  for (;;) {
    const node = scopes.parentOf(current);
    if (!node) return "escape";
    if (TRANSPARENT_WRAPPERS.has(node.type)) {
      current = node;
      continue;
    }
    if ((node.type === "MemberExpression" || node.type === "OptionalMemberExpression") && node.object === current) {
      current = node;
      depth++;
      continue;
    }
    if ((node.type === "CallExpression" || node.type === "OptionalCallExpression") && node.callee === current) {
      if (depth === 0) return "read"; // calling it
      // Calling a part read out of it (`registry.get("k")(x)`): no `this`, nothing changes.
      if (current.type === "CallExpression" || current.type === "OptionalCallExpression") return "read";
      const method = memberName(current);
      if (method !== undefined && MUTATING_METHODS.has(method)) return "mutate";
      if (method !== undefined && READ_METHODS.has(method)) {
        if (CALLBACK_METHODS.has(method)) {
          const parts = callbackUse(node, scopes);
          if (parts !== "read") return parts;
        }
        // The result may be a part of the object: follow it.
        current = node;
        depth = 1;
        continue;
      }
      return depth === 1 ? "call" : "mutate";
    }
    break;
  }
  const node = scopes.parentOf(current)!;
  const self = current;
  switch (node.type) {
    case "AssignmentExpression":
      if (node.left === self) return depth > 0 ? "mutate" : "read"; // a reassignment is a constant violation
      return "escape";
    case "UpdateExpression":
      return depth > 0 ? "mutate" : "read";
    case "UnaryExpression":
      return node.operator === "delete" && depth > 0 ? "mutate" : "read";
    case "ForInStatement":
    case "ForOfStatement":
      return node.left === self ? (depth > 0 ? "mutate" : "read") : node.type === "ForInStatement" ? "read" : "escape";
    case "BinaryExpression":
    case "TemplateLiteral":
    case "ExpressionStatement":
    case "IfStatement":
    case "WhileStatement":
    case "DoWhileStatement":
    case "SwitchStatement":
    case "SwitchCase":
      return "read";
    case "ConditionalExpression":
    case "ForStatement":
      return (node as { test?: t.Node | null }).test === self ? "read" : "escape";
    case "CallExpression":
    case "OptionalCallExpression":
    case "NewExpression": {
      const callee = calleeName(node.callee);
      if (callee !== undefined && MUTATING_CALLS.has(callee) && node.arguments[0] === self) return "mutate";
      return isReadingCall(callee) ? "read" : "escape";
    }
    default:
      return readByCall(node, scopes) ? "read" : "escape";
  }
}

/**
 * `rows.forEach((row) => { row.n++; })` changes the object through its parts:
 * the callback's parameters are used as the object itself would be. Returning
 * a part is a read (the method's result is followed). A callback that is not
 * a function literal is followed no further (`escape`), unless it only reads
 * (`filter(Boolean)`, `map(String)`).
 */
function callbackUse(call: t.CallExpression | t.OptionalCallExpression, scopes: ModuleScopes): Use {
  const callback = call.arguments[0];
  if (callback === undefined) return "read";
  if (callback.type !== "ArrowFunctionExpression" && callback.type !== "FunctionExpression") {
    return isReadingCall(calleeName(callback)) ? "read" : "escape";
  }
  const scope = scopes.ownScope(callback);
  for (const param of callback.params) {
    for (const name of Object.keys(t.getBindingIdentifiers(param))) {
      for (const reference of scope?.getBinding(name)?.references ?? []) {
        if (returnedFrom(reference, callback, scopes)) continue;
        const use = useOf(reference, scopes);
        if (use !== "read") return use;
      }
    }
  }
  return "read";
}

/** `(row) => row.name`, `function (row) { return row; }`: a reference (or a part read off it) the callback returns. */
function returnedFrom(reference: t.Node, callback: t.Function, scopes: ModuleScopes): boolean {
  let current = reference;
  let parent = scopes.parentOf(current);
  while (
    parent &&
    (TRANSPARENT_WRAPPERS.has(parent.type) ||
      ((parent.type === "MemberExpression" || parent.type === "OptionalMemberExpression") && parent.object === current))
  ) {
    current = parent;
    parent = scopes.parentOf(current);
  }
  if (parent === callback) return callback.body === current;
  if (parent?.type !== "ReturnStatement") return false;
  for (let scope = scopes.parentOf(parent); scope; scope = scopes.parentOf(scope)) {
    if (t.isFunction(scope)) return scope === callback;
  }
  return false;
}

/** Inside object and array literals that are an argument of a reading call (`console.log({ runs })`). */
function readByCall(start: t.Node, scopes: ModuleScopes): boolean {
  let current: t.Node | undefined = start;
  while (
    current &&
    (current.type === "ObjectProperty" ||
      current.type === "ObjectExpression" ||
      current.type === "ArrayExpression" ||
      current.type === "SpreadElement")
  ) {
    current = scopes.parentOf(current);
  }
  if (!current || current === start) return false;
  return (
    (current.type === "CallExpression" || current.type === "OptionalCallExpression") &&
    isReadingCall(calleeName(current.callee))
  );
}

/** Runs after load, when the module's code calls it: inside a function or an instance field. */
export function runsLater(node: t.Node, scopes: ModuleScopes): boolean {
  for (let parent = scopes.parentOf(node); parent; parent = scopes.parentOf(parent)) {
    if (t.isFunction(parent)) return true;
    if ((parent.type === "ClassProperty" || parent.type === "ClassPrivateProperty") && !parent.static) return true;
  }
  return false;
}

/** `export default x`: hands the binding's value to importers (as `default`). */
export function isDefaultExportReference(reference: t.Node, scopes: ModuleScopes): boolean {
  return scopes.parentOf(reference)?.type === "ExportDefaultDeclaration";
}

export function topStatement(node: t.Node, scopes: ModuleScopes): t.Node | undefined {
  let current: t.Node | undefined = node;
  while (current && scopes.parentOf(current)?.type !== "Program") current = scopes.parentOf(current);
  return current;
}

/**
 * `export { x }`, `export { x as y }`, and the reference the scope analysis
 * records from `export const x = …` itself: each hands the binding to importers.
 */
export function isExportReference(reference: t.Node, scopes: ModuleScopes): boolean {
  if (reference.type === "ExportNamedDeclaration") return reference.declaration != null;
  const specifier = scopes.parentOf(reference);
  if (specifier?.type !== "ExportSpecifier") return false;
  const statement = scopes.parentOf(specifier);
  return statement?.type === "ExportNamedDeclaration" && !statement.source;
}
