/**
 * Whether a reference to fresh module data (`fresh-value.ts`) only reads it:
 * its value is consumed (compared, counted, turned into a string), or it is
 * an alias (a part, a loop variable, a callback's parameter, an element a
 * method returns) whose own uses only read too. Anything else (a write, a
 * mutating or unknown method, a call that is given it, a `return`, storing
 * it elsewhere) is not a proof: the data then counts by value on every call.
 */
import * as t from "@babel/types";
import { type Binding, memberName, type ModuleScopes, TRANSPARENT_WRAPPERS } from "../syntax/index.js";
import { globalCallee } from "./fresh-value.js";
import {
  CALLBACK_METHODS,
  CONSUMING_CALLS,
  MUTATING_METHODS,
  PART_CALLS,
  PART_METHODS,
  PRIMITIVE_METHODS,
  SEQUENCE_METHODS,
} from "./method-effects.js";

/** Compound assignments whose result is a number or a string (`sum += row.n`), never the operand itself. */
const ARITHMETIC_ASSIGNMENTS: ReadonlySet<string> = new Set([
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "**=",
  "<<=",
  ">>=",
  ">>>=",
  "&=",
  "|=",
  "^=",
]);

/** One proof's walk: callbacks whose returned values flow into a result that is followed, bindings already followed. */
export interface ReadWalk {
  readonly scopes: ModuleScopes;
  readonly callbacks: Set<t.Node>;
  readonly followed: Set<Binding>;
}

/** Whether the value at `node` (a reference, or the result of a call on an alias) is only read. */
export function onlyRead(node: t.Node, walk: ReadWalk): boolean {
  const scopes = walk.scopes;
  let current = node;
  for (;;) {
    const parent = scopes.parentOf(current);
    if (!parent) return false;
    if (TRANSPARENT_WRAPPERS.has(parent.type)) {
      current = parent;
      continue;
    }
    switch (parent.type) {
      case "MemberExpression":
      case "OptionalMemberExpression":
        // As a computed key (`other[row.id]`) it becomes a string.
        if (parent.object !== current) return true;
        // `rows.filter(…).length`: a number. (`rows.length` may be data: `{ "length": { … } }`.)
        if (memberName(parent) === "length" && madeArrayOrString(current, walk)) return true;
        current = parent;
        continue;
      case "CallExpression":
      case "OptionalCallExpression": {
        const result = parent.callee === current ? methodResult(parent, current, walk) : argumentResult(parent, walk);
        if (result !== "part") return result === "consumed";
        current = parent;
        continue;
      }
      case "LogicalExpression":
        current = parent;
        continue;
      case "ConditionalExpression":
        if (parent.test === current) return true;
        current = parent;
        continue;
      case "SequenceExpression":
        if (parent.expressions.at(-1) !== current) return true;
        current = parent;
        continue;
      case "UnaryExpression":
        return parent.operator !== "delete";
      case "TemplateLiteral":
        // A tag is given the values themselves, not their text.
        if (scopes.parentOf(parent)?.type === "TaggedTemplateExpression") return false;
        return true;
      case "BinaryExpression":
      case "ExpressionStatement":
      case "IfStatement":
      case "WhileStatement":
      case "DoWhileStatement":
      case "ForStatement":
      case "SwitchStatement":
      case "SwitchCase":
      case "ForInStatement":
        // Compared, counted, tested, turned into a string; `for (k in rows)` reads its keys.
        return parent.type !== "ForInStatement" || parent.right === current;
      case "AssignmentExpression":
        return parent.right === current && ARITHMETIC_ASSIGNMENTS.has(parent.operator);
      case "SpreadElement": {
        // `Math.max(...values)`: spread into a call that keeps nothing.
        const call = scopes.parentOf(parent);
        return call?.type === "CallExpression" && consumingCall(call, walk);
      }
      case "VariableDeclarator":
        return parent.init === current && declaredAliases(parent, walk);
      case "ForOfStatement":
        return parent.right === current && !parent.await && loopAliases(parent.left, walk);
      case "ArrowFunctionExpression":
        return parent.body === current && walk.callbacks.has(parent);
      case "ReturnStatement":
        return walk.callbacks.has(enclosingFunction(parent, scopes)!);
      default:
        return false;
    }
  }
}

/** `alias.method(…)`: what its result is, or `"not"` for a method that may change it or that the proof does not know. */
function methodResult(
  call: t.CallExpression | t.OptionalCallExpression,
  callee: t.Node,
  walk: ReadWalk,
): "consumed" | "part" | "not" {
  const method = memberName(callee);
  if (method === undefined || MUTATING_METHODS.has(method)) return "not";
  if (!PRIMITIVE_METHODS.has(method) && !PART_METHODS.has(method)) return "not";
  if (CALLBACK_METHODS.has(method) && !callbackReads(call, walk)) return "not";
  return PRIMITIVE_METHODS.has(method) ? "consumed" : "part";
}

/**
 * The result of a method that only arrays or strings have and that returns
 * an array or a string (`filter`, `slice`, `trim`), or of `Object.values`:
 * fresh data holds no function, so such a call on it ran a built-in.
 */
function madeArrayOrString(node: t.Node, walk: ReadWalk): boolean {
  if (node.type !== "CallExpression" && node.type !== "OptionalCallExpression") return false;
  const method = memberName(node.callee);
  if (method !== undefined) return SEQUENCE_METHODS.has(method);
  const callee = globalCallee(node.callee, walk.scopes);
  return callee === "Object.keys" || (callee !== undefined && PART_CALLS.has(callee));
}

/** `String(alias)`, `Object.values(alias)`: a global call given the alias. */
function argumentResult(
  call: t.CallExpression | t.OptionalCallExpression,
  walk: ReadWalk,
): "consumed" | "part" | "not" {
  if (call.type === "CallExpression" && consumingCall(call, walk)) return "consumed";
  const callee = globalCallee(call.callee, walk.scopes);
  return callee !== undefined && PART_CALLS.has(callee) && call.arguments.length === 1 ? "part" : "not";
}

function consumingCall(call: t.CallExpression, walk: ReadWalk): boolean {
  const callee = globalCallee(call.callee, walk.scopes);
  if (callee === undefined || !(CONSUMING_CALLS.has(callee) || callee.startsWith("Math."))) return false;
  // A replacer function would be given every part.
  if (callee === "JSON.stringify") {
    const replacer = call.arguments[1];
    return replacer === undefined || replacer.type === "NullLiteral" || replacer.type === "ArrayExpression";
  }
  return true;
}

/**
 * The callback of `alias.map(…)`: a function literal whose parameters (the
 * parts, the index, the data itself, `reduce`'s accumulator) are only read;
 * what it returns flows into the method's result, which is followed. A
 * consuming global (`map(String)`) passes too.
 */
function callbackReads(call: t.CallExpression | t.OptionalCallExpression, walk: ReadWalk): boolean {
  const callback = call.arguments[0];
  if (callback === undefined) return true;
  if (callback.type !== "ArrowFunctionExpression" && callback.type !== "FunctionExpression") {
    const callee = globalCallee(callback, walk.scopes);
    return callee !== undefined && (CONSUMING_CALLS.has(callee) || callee.startsWith("Math."));
  }
  // `arguments[0]` is a parameter the walk would not see.
  if (callback.type === "FunctionExpression" && mentionsArguments(callback.body)) return false;
  walk.callbacks.add(callback);
  const scope = walk.scopes.ownScope(callback);
  return callback.params.every((param) =>
    Object.keys(t.getBindingIdentifiers(param)).every((name) => {
      const binding = scope?.getBinding(name);
      return binding !== undefined && aliasReads(binding, walk);
    }),
  );
}

/**
 * `const row = rows[0]`, `const { name } = row`: each name declared is an
 * alias (a `let` too: `aliasReads` refuses one that is assigned again; not a
 * `var`, which another declaration may share).
 */
function declaredAliases(declarator: t.VariableDeclarator, walk: ReadWalk): boolean {
  const declaration = walk.scopes.parentOf(declarator);
  if (declaration?.type !== "VariableDeclaration" || (declaration.kind !== "const" && declaration.kind !== "let"))
    return false;
  if (walk.scopes.parentOf(declaration)?.type === "ExportNamedDeclaration") return false;
  const scope = walk.scopes.scopeAt(declarator);
  return Object.keys(t.getBindingIdentifiers(declarator.id)).every((name) => {
    const binding = scope.getBinding(name);
    return binding?.node === declarator && aliasReads(binding, walk);
  });
}

/** `for (const row of rows)`: the loop's variables are aliases. */
function loopAliases(left: t.Node, walk: ReadWalk): boolean {
  if (left.type !== "VariableDeclaration" || left.declarations.length !== 1) return false;
  return declaredAliases(left.declarations[0]!, walk);
}

/** An alias binding: never assigned again, and every reference only reads. */
export function aliasReads(binding: Binding, walk: ReadWalk): boolean {
  if (walk.followed.has(binding)) return true;
  walk.followed.add(binding);
  if (binding.violations.some((violation) => violation !== binding.node)) return false;
  return binding.references.every((reference) => onlyRead(reference, walk));
}

function enclosingFunction(node: t.Node, scopes: ModuleScopes): t.Node | undefined {
  for (let parent = scopes.parentOf(node); parent; parent = scopes.parentOf(parent)) {
    if (t.isFunction(parent)) return parent;
  }
  return undefined;
}

function mentionsArguments(node: t.Node): boolean {
  if (node.type === "Identifier") return node.name === "arguments";
  let found = false;
  t.traverseFast(node, (inner) => {
    if (inner.type === "Identifier" && inner.name === "arguments") found = true;
  });
  return found;
}
