/**
 * Module state: which module-level bindings can hold another value after
 * the module has loaded (they count by their value at call time), and which
 * statements run at load and touch a binding (they count as its code).
 *
 * Conservative by design: a binding is "changing" when it is reassigned
 * inside a function, mutated inside a function (member assignment, `delete`,
 * a mutating method, `Object.assign(x, …)` …), or, for data, when it escapes
 * where the analysis cannot follow it (passed to a call, returned, aliased):
 * a cache that keys by a value too many is only slower, one that misses a
 * change returns an old result. Data exported by name is "exported": it
 * changes if an importer mutates it, which only a view of the whole project
 * can tell (`outside.ts`).
 */
import type { Binding, NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { TRANSPARENT_WRAPPERS } from "./ast.js";
import type { ModuleRecord } from "./graph.js";

/** A construct whose effect on a result the build cannot know. */
export interface UnknowableConstruct {
  /** `eval`, `new Function`, `computed access into namespace h`, `write to global x`. */
  construct: string;
  /** 1-based line in the module. */
  line: number;
  /** Offset in the module, to tell which declaration holds it. */
  start: number;
  /** For a write to a global: its name (a warning only when reached code reads it). */
  global?: string;
}

export interface ModuleState {
  /** Module-level bindings whose value may change after the module has loaded, sorted. */
  changing: string[];
  /**
   * Data the module exports by name and does not change itself, sorted: it
   * changes only if another module mutates it through an import (see
   * `outside.ts`; without a view of the project it counts as changing).
   */
  exported: string[];
  /** By binding name: top-level statements (other than its declaration) that run at load and touch it. */
  loadTime: Map<string, NodePath[]>;
  /**
   * By changing binding: offsets of the references that read its value (not
   * those that only write it, like `log.push(x)` or `runs[k] = (runs[k] ?? 0) + 1`
   * as statements): code that only writes a binding does not depend on it.
   */
  reads: Map<string, number[]>;
  /** `eval`, `new Function`, computed namespace access and global writes anywhere in the module. */
  unknowable: UnknowableConstruct[];
}

const states = new WeakMap<ModuleRecord, ModuleState>();

/** The state analysis of a parsed module, computed once per module content. */
export function moduleState(record: ModuleRecord): ModuleState {
  let state = states.get(record);
  if (!state) {
    state = record.kind === "module" ? analyzeState(record.program!) : { changing: [], exported: [], loadTime: new Map(), reads: new Map(), unknowable: [] };
    states.set(record, state);
  }
  return state;
}

// Methods that change the object they are called on (arrays, Map, Set, Date, typed arrays).
const MUTATING_METHODS = new Set([
  "push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin",
  "set", "add", "delete", "clear",
  "setTime", "setFullYear", "setMonth", "setDate", "setHours", "setMinutes", "setSeconds", "setMilliseconds",
  "setUTCFullYear", "setUTCMonth", "setUTCDate", "setUTCHours", "setUTCMinutes", "setUTCSeconds", "setUTCMilliseconds",
  "assign", "defineProperty", "defineProperties", "setPrototypeOf",
]);

// Methods that only read; their result is followed further (it may be a part of the object).
const READ_METHODS = new Set([
  "get", "has", "includes", "indexOf", "lastIndexOf", "at", "find", "findIndex", "findLast", "findLastIndex",
  "map", "filter", "reduce", "reduceRight", "forEach", "some", "every", "slice", "concat", "join", "flat", "flatMap",
  "keys", "values", "entries", "toString", "toLocaleString", "valueOf", "toJSON", "toFixed", "toPrecision",
  "toUpperCase", "toLowerCase", "trim", "trimStart", "trimEnd", "split", "startsWith", "endsWith", "replace",
  "replaceAll", "padStart", "padEnd", "charAt", "charCodeAt", "codePointAt", "substring", "substr", "localeCompare",
  "match", "matchAll", "search", "test", "exec", "repeat", "normalize", "getTime", "toISOString", "toSorted",
  "toReversed", "toSpliced", "with", "hasOwnProperty", "call", "apply", "bind",
]);

// Calls that change their first argument.
const MUTATING_CALLS = new Set([
  "Object.assign", "Object.defineProperty", "Object.defineProperties", "Object.setPrototypeOf",
  "Reflect.set", "Reflect.defineProperty", "Reflect.deleteProperty", "Reflect.setPrototypeOf",
]);

// Calls that only read their arguments and keep nothing of them.
const READING_CALLS = new Set([
  "JSON.stringify", "Object.keys", "Object.values", "Object.entries", "Object.isFrozen", "Object.getOwnPropertyNames",
  "Array.isArray", "String", "Number", "Boolean", "BigInt", "isNaN", "isFinite", "parseInt", "parseFloat",
  "Number.isInteger", "Number.isFinite", "Number.isNaN", "structuredClone",
]);


export type Use = "read" | "mutate" | "call" | "escape";

function memberName(node: t.Node): string | undefined {
  if (node.type !== "MemberExpression" && node.type !== "OptionalMemberExpression") return undefined;
  if (!node.computed && node.property.type === "Identifier") return node.property.name;
  return node.property.type === "StringLiteral" ? node.property.value : undefined;
}

/** `Object.assign`, `console.log`, `fn`: the dotted name of a callee, when it is one. */
function calleeName(node: t.Node): string | undefined {
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
export function useOf(reference: NodePath): Use {
  let current = reference;
  let depth = 0;
  for (;;) {
    const parent = current.parentPath;
    if (!parent) return "escape";
    const node = parent.node;
    if (TRANSPARENT_WRAPPERS.has(node.type)) {
      current = parent;
      continue;
    }
    if ((node.type === "MemberExpression" || node.type === "OptionalMemberExpression") && node.object === current.node) {
      current = parent;
      depth++;
      continue;
    }
    if ((node.type === "CallExpression" || node.type === "OptionalCallExpression") && node.callee === current.node) {
      if (depth === 0) return "read"; // calling it
      // Calling a part read out of it (`registry.get("k")(x)`): no `this`, nothing changes.
      if (current.node.type === "CallExpression" || current.node.type === "OptionalCallExpression") return "read";
      const method = memberName(current.node);
      if (method !== undefined && MUTATING_METHODS.has(method)) return "mutate";
      if (method !== undefined && READ_METHODS.has(method)) {
        // The result may be a part of the object: follow it.
        current = parent;
        depth = 1;
        continue;
      }
      return depth === 1 ? "call" : "mutate";
    }
    break;
  }
  const parent = current.parentPath!;
  const node = parent.node;
  const self = current.node;
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
      return readByCall(parent) ? "read" : "escape";
  }
}

/** Inside object and array literals that are an argument of a reading call (`console.log({ runs })`). */
function readByCall(path: NodePath): boolean {
  let current = path;
  while (current.isObjectProperty() || current.isObjectExpression() || current.isArrayExpression() || current.isSpreadElement()) {
    current = current.parentPath!;
  }
  if (current === path) return false;
  return (current.isCallExpression() || current.isOptionalCallExpression()) && isReadingCall(calleeName(current.node.callee));
}

/** Runs after load, when the module's code calls it: inside a function or an instance field. */
function runsLater(path: NodePath): boolean {
  return (
    path.findParent(
      (parent) =>
        parent.isFunction() ||
        ((parent.isClassProperty() || parent.isClassPrivateProperty()) && !(parent.node as t.ClassProperty).static),
    ) !== null
  );
}

function isPrimitive(node: t.Node | null | undefined): boolean {
  if (!node) return true;
  switch (node.type) {
    case "StringLiteral":
    case "NumericLiteral":
    case "BooleanLiteral":
    case "NullLiteral":
    case "BigIntLiteral":
      return true;
    case "TemplateLiteral":
      return node.expressions.length === 0;
    case "UnaryExpression":
      return node.operator !== "delete" && isPrimitive(node.argument);
    case "Identifier":
      return node.name === "undefined";
    default:
      return TRANSPARENT_WRAPPERS.has(node.type) ? isPrimitive((node as t.TSAsExpression).expression) : false;
  }
}

/** Functions and classes: code, whose escaping (a callback) is no mutation. */
function isCode(binding: Binding): boolean {
  const path = binding.path;
  if (path.isFunctionDeclaration() || path.isClassDeclaration()) return true;
  if (!path.isVariableDeclarator()) return false;
  let init: t.Node | null | undefined = path.node.init;
  while (init && TRANSPARENT_WRAPPERS.has(init.type)) init = (init as t.TSAsExpression).expression;
  return init?.type === "FunctionExpression" || init?.type === "ArrowFunctionExpression" || init?.type === "ClassExpression";
}

function isExported(binding: Binding): boolean {
  const declaration = binding.path.isVariableDeclarator() ? binding.path.parentPath : binding.path;
  return declaration?.parentPath?.isExportNamedDeclaration() === true || declaration?.parentPath?.isExportDefaultDeclaration() === true;
}

function topStatement(path: NodePath): NodePath | undefined {
  let current: NodePath | null = path;
  while (current && !current.parentPath?.isProgram()) current = current.parentPath;
  return current ?? undefined;
}

/**
 * `export { x }`, `export { x as y }`, and the reference Babel records from
 * `export const x = …` itself: each hands the binding to importers.
 */
export function isExportReference(reference: NodePath): boolean {
  if (reference.isExportNamedDeclaration()) return reference.node.declaration != null;
  return reference.parentPath?.isExportSpecifier() === true && reference.parentPath.parentPath?.isExportNamedDeclaration() === true && !reference.parentPath.parentPath.node.source;
}

function analyzeState(program: NodePath<t.Program>): ModuleState {
  const changing: string[] = [];
  const exported: string[] = [];
  const loadTime = new Map<string, NodePath[]>();
  const reads = new Map<string, number[]>();
  for (const [name, binding] of Object.entries(program.scope.bindings)) {
    if (binding.kind === "module") continue; // an import: its own module says
    const own = topStatement(binding.path);
    const statements = new Set<NodePath>();
    const atLoad = (path: NodePath) => {
      const statement = topStatement(path);
      if (!statement || statement === own || statement.isExportNamedDeclaration() && !statement.node.declaration) return;
      statements.add(statement);
    };
    let changes = false;
    for (const violation of binding.constantViolations) {
      if (violation === binding.path) continue;
      if (runsLater(violation)) changes = true;
      else atLoad(violation);
    }
    const code = isCode(binding);
    const fixed = !code && binding.constantViolations.length === 0 && binding.path.isVariableDeclarator() && isPrimitive(binding.path.node.init);
    let exports = !fixed && !code && isExported(binding);
    for (const reference of binding.referencePaths) {
      if (isExportReference(reference)) {
        exports ||= !fixed && !code;
        continue;
      }
      const later = runsLater(reference);
      const use = useOf(reference);
      // Code at load that only reads it cannot change it.
      if (!later && use !== "read") atLoad(reference);
      if (fixed || changes) continue;
      if (use === "mutate" || (use === "call" && !code)) changes ||= later;
      if (use === "escape" && !code) changes = true;
    }
    if (changes || exports) {
      (changes ? changing : exported).push(name);
      reads.set(
        name,
        binding.referencePaths
          .filter((reference) => !isExportReference(reference) && !writesOnly(reference, binding))
          .map((reference) => reference.node.start!),
      );
    }
    if (statements.size > 0) loadTime.set(name, [...statements].sort((a, b) => a.node.start! - b.node.start!));
  }
  return { changing: changing.sort(), exported: exported.sort(), loadTime, reads, unknowable: unknowableConstructs(program) };
}

/** An expression whose value is thrown away: a statement of its own. */
function discarded(path: NodePath): boolean {
  return path.parentPath?.isExpressionStatement() === true;
}

/** The binding a member chain (`a.b[c]`) starts from, if it starts from a name. */
function rootBinding(path: NodePath, node: t.Node): Binding | undefined {
  let current = node;
  while (TRANSPARENT_WRAPPERS.has(current.type) || current.type === "MemberExpression" || current.type === "OptionalMemberExpression") {
    current = TRANSPARENT_WRAPPERS.has(current.type) ? (current as t.TSAsExpression).expression : (current as t.MemberExpression).object;
  }
  return current.type === "Identifier" ? path.scope.getBinding(current.name) : undefined;
}

/**
 * Whether a reference only writes the binding: a mutation (or `x++`, `x += 1`)
 * whose value is thrown away, or a read inside the right side of such an
 * assignment to the same binding (`runs[k] = (runs[k] ?? 0) + 1;`).
 */
function writesOnly(reference: NodePath, binding: Binding): boolean {
  let current = reference;
  let depth = 0;
  for (;;) {
    const parent = current.parentPath!;
    const node = parent.node;
    if (TRANSPARENT_WRAPPERS.has(node.type)) current = parent;
    else if ((node.type === "MemberExpression" || node.type === "OptionalMemberExpression") && node.object === current.node) {
      current = parent;
      depth++;
    } else break;
  }
  const parent = current.parentPath!;
  const node = parent.node;
  if (node.type === "AssignmentExpression" && node.left === current.node && (depth > 0 || node.operator !== "=")) return discarded(parent);
  if (node.type === "UpdateExpression") return discarded(parent);
  if (node.type === "UnaryExpression" && node.operator === "delete" && depth > 0) return discarded(parent);
  if (node.type === "CallExpression" && node.callee === current.node && depth > 0 && MUTATING_METHODS.has(memberName(current.node) ?? "")) {
    return discarded(parent);
  }
  for (let path: NodePath | null = reference.parentPath; path && !path.isFunction() && !path.isStatement(); path = path.parentPath) {
    if (!path.isAssignmentExpression()) continue;
    const right = path.node.right;
    const inside = reference.node.start! >= right.start! && reference.node.end! <= right.end!;
    if (inside && path.node.left.type !== "Identifier" && rootBinding(path, path.node.left) === binding) return discarded(path);
  }
  return false;
}

/** `eval`, `new Function`, computed access into a namespace import, writes to globals. */
function unknowableConstructs(program: NodePath<t.Program>): UnknowableConstruct[] {
  const found: UnknowableConstruct[] = [];
  const at = (path: NodePath) => ({ line: path.node.loc?.start.line ?? 0, start: path.node.start ?? 0 });
  program.traverse({
    CallExpression(call) {
      const callee = call.node.callee;
      if (callee.type === "Identifier" && !call.scope.getBinding(callee.name)) {
        if (callee.name === "eval") found.push({ construct: "eval", ...at(call) });
        if (callee.name === "Function") found.push({ construct: "Function()", ...at(call) });
      }
    },
    NewExpression(expression) {
      const callee = expression.node.callee;
      if (callee.type === "Identifier" && callee.name === "Function" && !expression.scope.getBinding("Function")) {
        found.push({ construct: "new Function", ...at(expression) });
      }
    },
    MemberExpression(member) {
      let object = member.node.object;
      while (TRANSPARENT_WRAPPERS.has(object.type)) object = (object as t.TSAsExpression).expression;
      if (!member.node.computed || object.type !== "Identifier" || member.node.property.type === "StringLiteral") return;
      const binding = member.scope.getBinding(object.name);
      if (binding?.path.isImportNamespaceSpecifier()) {
        found.push({ construct: `computed access into namespace ${object.name}`, ...at(member) });
      }
    },
    AssignmentExpression(assignment) {
      const left = assignment.node.left;
      let name: string | undefined;
      if (left.type === "Identifier" && !assignment.scope.getBinding(left.name)) name = left.name;
      const member = left.type === "MemberExpression" ? calleeName(left) : undefined;
      const global = member !== undefined ? /^(?:globalThis|global|window|self)\.([\w$]+)/.exec(member) : null;
      if (global && !assignment.scope.getBinding(member!.split(".")[0]!)) name = global[1];
      if (name !== undefined) found.push({ construct: `write to global ${name}`, ...at(assignment), global: name });
    },
  });
  return found;
}
