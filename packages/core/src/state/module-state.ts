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
import * as t from "@babel/types";
import { TRANSPARENT_WRAPPERS } from "../syntax/index.js";
import type { ModuleRecord } from "../modules/index.js";
import { type Binding, forEachChild, type ModuleScopes } from "../syntax/index.js";

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
  /**
   * Functions and classes among `exported`: another module changes them only
   * by mutating them (`Config.rate = 3`, `Object.assign(fn, …)`), not by
   * passing them on (a callback), as within the module.
   */
  exportedCode: Set<string>;
  /** By binding name: top-level statements (other than its declaration) that run at load and touch it. */
  loadTime: Map<string, t.Node[]>;
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
    state = record.kind === "module" ? analyzeState(record.scopes!) : { changing: [], exported: [], exportedCode: new Set(), loadTime: new Map(), reads: new Map(), unknowable: [] };
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
  while (current && (current.type === "ObjectProperty" || current.type === "ObjectExpression" || current.type === "ArrayExpression" || current.type === "SpreadElement")) {
    current = scopes.parentOf(current);
  }
  if (!current || current === start) return false;
  return (current.type === "CallExpression" || current.type === "OptionalCallExpression") && isReadingCall(calleeName(current.callee));
}

/** Runs after load, when the module's code calls it: inside a function or an instance field. */
function runsLater(node: t.Node, scopes: ModuleScopes): boolean {
  for (let parent = scopes.parentOf(node); parent; parent = scopes.parentOf(parent)) {
    if (t.isFunction(parent)) return true;
    if ((parent.type === "ClassProperty" || parent.type === "ClassPrivateProperty") && !parent.static) return true;
  }
  return false;
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
  const node = binding.node;
  if (node.type === "FunctionDeclaration" || node.type === "ClassDeclaration") return true;
  if (node.type !== "VariableDeclarator") return false;
  let init: t.Node | null | undefined = node.init;
  while (init && TRANSPARENT_WRAPPERS.has(init.type)) init = (init as t.TSAsExpression).expression;
  return init?.type === "FunctionExpression" || init?.type === "ArrowFunctionExpression" || init?.type === "ClassExpression";
}

function isExported(binding: Binding): boolean {
  const scopes = binding.scope.module;
  const declaration = binding.node.type === "VariableDeclarator" ? scopes.parentOf(binding.node) : binding.node;
  const parent = declaration && scopes.parentOf(declaration);
  return parent?.type === "ExportNamedDeclaration" || parent?.type === "ExportDefaultDeclaration";
}

/** `export default x`: hands the binding's value to importers (as `default`). */
export function isDefaultExportReference(reference: t.Node, scopes: ModuleScopes): boolean {
  return scopes.parentOf(reference)?.type === "ExportDefaultDeclaration";
}

/**
 * A class whose static methods change the class through `this`
 * (`static setRate(r) { this.rate = r }`, `this.list.push(x)`,
 * `Object.assign(this, …)`): whoever calls them, from this module or another, changes it,
 * so it counts by value wherever it is read.
 */
function mutatesItselfStatically(binding: Binding, scopes: ModuleScopes): boolean {
  let node: t.Node | null | undefined = binding.node;
  if (node.type === "VariableDeclarator") node = node.init;
  while (node && TRANSPARENT_WRAPPERS.has(node.type)) node = (node as t.TSAsExpression).expression;
  if (node?.type !== "ClassDeclaration" && node?.type !== "ClassExpression") return false;
  let found = false;
  const walk = (inner: t.Node) => {
    if (found) return;
    // `this` of a nested function or class is another one; an arrow's is the method's.
    if ((t.isFunction(inner) && inner.type !== "ArrowFunctionExpression") || t.isClass(inner)) return;
    if (inner.type === "ThisExpression") {
      // Handing `this` on is like passing a class as a callback within its module: not a mutation.
      if (useOf(inner, scopes) === "mutate") found = true;
      return;
    }
    forEachChild(inner, walk);
  };
  for (const member of node.body.body) {
    if (member.type === "ClassMethod" && member.static && member.kind !== "constructor") forEachChild(member.body, walk);
    else if ((member.type === "ClassProperty" || member.type === "ClassPrivateProperty") && member.static && member.value) {
      const value = member.value;
      if (value.type === "ArrowFunctionExpression" || value.type === "FunctionExpression") forEachChild(value.body, walk);
    } else if (member.type === "ClassPrivateMethod" && member.static) forEachChild(member.body, walk);
  }
  return found;
}

function topStatement(node: t.Node, scopes: ModuleScopes): t.Node | undefined {
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

function analyzeState(scopes: ModuleScopes): ModuleState {
  const changing: string[] = [];
  const exported: string[] = [];
  const exportedCode = new Set<string>();
  const loadTime = new Map<string, t.Node[]>();
  const reads = new Map<string, number[]>();
  for (const [name, binding] of scopes.program.bindings) {
    if (binding.kind === "module") continue; // an import: its own module says
    const own = topStatement(binding.node, scopes);
    const statements = new Set<t.Node>();
    const atLoad = (node: t.Node) => {
      const statement = topStatement(node, scopes);
      if (!statement || statement === own || (statement.type === "ExportNamedDeclaration" && !statement.declaration)) return;
      statements.add(statement);
    };
    let changes = false;
    const code = isCode(binding);
    if (code && mutatesItselfStatically(binding, scopes)) changes = true;
    for (const violation of binding.violations) {
      if (violation === binding.node) continue;
      if (runsLater(violation, scopes)) changes = true;
      else atLoad(violation);
    }
    const fixed = !code && binding.violations.length === 0 && binding.node.type === "VariableDeclarator" && isPrimitive(binding.node.init);
    // Exported data, functions and classes: another module may mutate them (`outside.ts`).
    let exports = !fixed && isExported(binding);
    for (const reference of binding.references) {
      if (isExportReference(reference, scopes) || isDefaultExportReference(reference, scopes)) {
        exports ||= !fixed;
        continue;
      }
      const later = runsLater(reference, scopes);
      const use = useOf(reference, scopes);
      // Code at load that only reads it cannot change it.
      if (!later && use !== "read") atLoad(reference);
      if (fixed || changes) continue;
      if (use === "mutate" || (use === "call" && !code)) changes ||= later;
      if (use === "escape" && !code) changes = true;
    }
    if (changes || exports) {
      (changes ? changing : exported).push(name);
      if (!changes && code) exportedCode.add(name);
      reads.set(
        name,
        binding.references
          .filter((reference) => !isExportReference(reference, scopes) && !isDefaultExportReference(reference, scopes) && !writesOnly(reference, binding, scopes))
          .map((reference) => reference.start!),
      );
    }
    if (statements.size > 0) loadTime.set(name, [...statements].sort((a, b) => a.start! - b.start!));
  }
  // `export default { rate: 1 }`: data without a name in its module, which only importers can mutate.
  if (anonymousDefaultData(scopes.program.block as t.Program)) {
    exported.push("default");
    reads.set("default", []);
  }
  return { changing: changing.sort(), exported: exported.sort(), exportedCode, loadTime, reads, unknowable: unknowableConstructs(scopes) };
}

/**
 * The expression of `export default <expression>` when it is data that has
 * no name in its module (an object, an array, `new Map()`, a call): its
 * state is registered as `default` (`rewrite.ts` names it). Not a name
 * (a binding of its own), a primitive, a function or a class.
 */
export function anonymousDefaultData(program: t.Program): t.Expression | undefined {
  for (const statement of program.body) {
    if (statement.type !== "ExportDefaultDeclaration") continue;
    const declaration = statement.declaration;
    if (!t.isExpression(declaration)) return undefined;
    let inner: t.Node = declaration;
    while (TRANSPARENT_WRAPPERS.has(inner.type)) inner = (inner as t.TSAsExpression).expression;
    if (inner.type === "Identifier" || isPrimitive(inner) || t.isFunction(inner) || t.isClass(inner)) return undefined;
    return declaration;
  }
  return undefined;
}

/** An expression whose value is thrown away: a statement of its own. */
function discarded(node: t.Node, scopes: ModuleScopes): boolean {
  return scopes.parentOf(node)?.type === "ExpressionStatement";
}

/** The binding a member chain (`a.b[c]`) starts from, if it starts from a name. */
function rootBinding(at: t.Node, node: t.Node, scopes: ModuleScopes): Binding | undefined {
  let current = node;
  while (TRANSPARENT_WRAPPERS.has(current.type) || current.type === "MemberExpression" || current.type === "OptionalMemberExpression") {
    current = TRANSPARENT_WRAPPERS.has(current.type) ? (current as t.TSAsExpression).expression : (current as t.MemberExpression).object;
  }
  return current.type === "Identifier" ? scopes.scopeAt(at).getBinding(current.name) : undefined;
}

/**
 * Whether a reference only writes the binding: a mutation (or `x++`, `x += 1`)
 * whose value is thrown away, or a read inside the right side of such an
 * assignment to the same binding (`runs[k] = (runs[k] ?? 0) + 1;`).
 */
function writesOnly(reference: t.Node, binding: Binding, scopes: ModuleScopes): boolean {
  let current = reference;
  let depth = 0;
  for (;;) {
    const node = scopes.parentOf(current)!;
    if (TRANSPARENT_WRAPPERS.has(node.type)) current = node;
    else if ((node.type === "MemberExpression" || node.type === "OptionalMemberExpression") && node.object === current) {
      current = node;
      depth++;
    } else break;
  }
  const node = scopes.parentOf(current)!;
  if (node.type === "AssignmentExpression" && node.left === current && (depth > 0 || node.operator !== "=")) return discarded(node, scopes);
  if (node.type === "UpdateExpression") return discarded(node, scopes);
  if (node.type === "UnaryExpression" && node.operator === "delete" && depth > 0) return discarded(node, scopes);
  if (node.type === "CallExpression" && node.callee === current && depth > 0 && MUTATING_METHODS.has(memberName(current) ?? "")) {
    return discarded(node, scopes);
  }
  for (let path = scopes.parentOf(reference); path && !t.isFunction(path) && !t.isStatement(path); path = scopes.parentOf(path)) {
    if (path.type !== "AssignmentExpression") continue;
    const right = path.right;
    const inside = reference.start! >= right.start! && reference.end! <= right.end!;
    if (inside && path.left.type !== "Identifier" && rootBinding(path, path.left, scopes) === binding) return discarded(path, scopes);
  }
  return false;
}

/** Whether a module specifier is known only at run time (not a string, nor a template without expressions). */
function computedSpecifier(node: t.Node | undefined): boolean {
  if (node === undefined) return false;
  if (node.type === "StringLiteral") return false;
  return !(node.type === "TemplateLiteral" && node.expressions.length === 0);
}

/** `eval`, `new Function`, computed access into a namespace import, writes to globals, `import()`/`require()` of a computed specifier. */
function unknowableConstructs(scopes: ModuleScopes): UnknowableConstruct[] {
  const found: UnknowableConstruct[] = [];
  const at = (node: t.Node) => ({ line: node.loc?.start.line ?? 0, start: node.start ?? 0 });
  const bound = (node: t.Node, name: string) => scopes.scopeAt(node).getBinding(name) !== undefined;
  const walk = (node: t.Node) => {
    switch (node.type) {
      case "CallExpression": {
        const callee = node.callee;
        if (callee.type === "Identifier" && !bound(node, callee.name)) {
          if (callee.name === "eval") found.push({ construct: "eval", ...at(node) });
          if (callee.name === "Function") found.push({ construct: "Function()", ...at(node) });
          if (callee.name === "require" && computedSpecifier(node.arguments[0])) found.push({ construct: "require() of a computed specifier", ...at(node) });
        }
        // Which module it loads is known only at run time: its code is in no hash.
        if (callee.type === "Import" && computedSpecifier(node.arguments[0])) found.push({ construct: "import() of a computed specifier", ...at(node) });
        break;
      }
      case "ImportExpression": {
        if (computedSpecifier(node.source)) found.push({ construct: "import() of a computed specifier", ...at(node) });
        break;
      }
      case "NewExpression": {
        const callee = node.callee;
        if (callee.type === "Identifier" && callee.name === "Function" && !bound(node, "Function")) {
          found.push({ construct: "new Function", ...at(node) });
        }
        break;
      }
      case "MemberExpression": {
        let object = node.object;
        while (TRANSPARENT_WRAPPERS.has(object.type)) object = (object as t.TSAsExpression).expression;
        if (!node.computed || object.type !== "Identifier" || node.property.type === "StringLiteral") break;
        const binding = scopes.scopeAt(node).getBinding(object.name);
        if (binding?.node.type === "ImportNamespaceSpecifier") {
          found.push({ construct: `computed access into namespace ${object.name}`, ...at(node) });
        }
        break;
      }
      case "AssignmentExpression": {
        const left = node.left;
        let name: string | undefined;
        if (left.type === "Identifier" && !bound(node, left.name)) name = left.name;
        const member = left.type === "MemberExpression" ? calleeName(left) : undefined;
        const global = member !== undefined ? /^(?:globalThis|global|window|self)\.([\w$]+)/.exec(member) : null;
        if (global && !bound(node, member!.split(".")[0]!)) name = global[1];
        if (name !== undefined) found.push({ construct: `write to global ${name}`, ...at(node), global: name });
        break;
      }
    }
    forEachChild(node, walk);
  };
  walk(scopes.program.block);
  return found;
}
