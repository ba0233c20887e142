/**
 * How code uses a module-level binding at one reference: reads it, mutates it,
 * calls it, or lets it escape where the analysis cannot follow.
 */
import * as t from "@babel/types";
import { memberName, type ModuleScopes, TRANSPARENT_WRAPPERS } from "../syntax/index.js";

// Methods that change the object they are called on (arrays, Map, Set, Date, typed arrays).
export const MUTATING_METHODS = new Set([
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "sort",
  "reverse",
  "fill",
  "copyWithin",
  "set",
  "add",
  "delete",
  "clear",
  "setTime",
  "setFullYear",
  "setMonth",
  "setDate",
  "setHours",
  "setMinutes",
  "setSeconds",
  "setMilliseconds",
  "setUTCFullYear",
  "setUTCMonth",
  "setUTCDate",
  "setUTCHours",
  "setUTCMinutes",
  "setUTCSeconds",
  "setUTCMilliseconds",
  "assign",
  "defineProperty",
  "defineProperties",
  "setPrototypeOf",
]);

// Methods that only read; their result is followed further (it may be a part of the object).
const READ_METHODS = new Set([
  "get",
  "has",
  "includes",
  "indexOf",
  "lastIndexOf",
  "at",
  "find",
  "findIndex",
  "findLast",
  "findLastIndex",
  "map",
  "filter",
  "reduce",
  "reduceRight",
  "forEach",
  "some",
  "every",
  "slice",
  "concat",
  "join",
  "flat",
  "flatMap",
  "keys",
  "values",
  "entries",
  "toString",
  "toLocaleString",
  "valueOf",
  "toJSON",
  "toFixed",
  "toPrecision",
  "toUpperCase",
  "toLowerCase",
  "trim",
  "trimStart",
  "trimEnd",
  "split",
  "startsWith",
  "endsWith",
  "replace",
  "replaceAll",
  "padStart",
  "padEnd",
  "charAt",
  "charCodeAt",
  "codePointAt",
  "substring",
  "substr",
  "localeCompare",
  "match",
  "matchAll",
  "search",
  "test",
  "exec",
  "repeat",
  "normalize",
  "getTime",
  "toISOString",
  "toSorted",
  "toReversed",
  "toSpliced",
  "with",
  "hasOwnProperty",
  "call",
  "apply",
  "bind",
]);

// Calls that change their first argument.
const MUTATING_CALLS = new Set([
  "Object.assign",
  "Object.defineProperty",
  "Object.defineProperties",
  "Object.setPrototypeOf",
  "Reflect.set",
  "Reflect.defineProperty",
  "Reflect.deleteProperty",
  "Reflect.setPrototypeOf",
]);

// Calls that only read their arguments and keep nothing of them.
const READING_CALLS = new Set([
  "JSON.stringify",
  "Object.keys",
  "Object.values",
  "Object.entries",
  "Object.isFrozen",
  "Object.getOwnPropertyNames",
  "Array.isArray",
  "String",
  "Number",
  "Boolean",
  "BigInt",
  "isNaN",
  "isFinite",
  "parseInt",
  "parseFloat",
  "Number.isInteger",
  "Number.isFinite",
  "Number.isNaN",
  "structuredClone",
]);

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
