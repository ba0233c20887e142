/**
 * Initializers that make a value no other code holds (`JSON.parse(text)`, a
 * literal of such values, a file's contents): the first half of proving that
 * a module binding's data never changes after load (`unchanging-data.ts`).
 * A call of anything else is not fresh: a helper may return an object it
 * keeps and changes later.
 */
import type * as t from "@babel/types";
import { exportName, memberName, type ModuleScopes, PRIMITIVE_LITERALS, unwrap } from "../syntax/index.js";

const FS_MODULES: ReadonlySet<string> = new Set(["fs", "node:fs", "fs/promises", "node:fs/promises"]);
const FS_READS: ReadonlySet<string> = new Set(["readFileSync", "readFile"]);

/** A global the module does not shadow at `at` (`JSON`, `Object`, `structuredClone`). */
export function isGlobal(name: string, at: t.Node, scopes: ModuleScopes): boolean {
  return scopes.scopeAt(at).getBinding(name) === undefined;
}

/** `JSON.parse`, `Object.freeze`: the dotted name of a callee on an unshadowed global, when it is one. */
export function globalCallee(callee: t.Node, scopes: ModuleScopes): string | undefined {
  const node = unwrap(callee);
  if (node.type === "Identifier") return isGlobal(node.name, node, scopes) ? node.name : undefined;
  const member = memberName(node);
  const object = member === undefined ? undefined : unwrap((node as t.MemberExpression).object);
  if (object?.type !== "Identifier" || !isGlobal(object.name, object, scopes)) return undefined;
  return `${object.name}.${member}`;
}

/** `require("node:fs")`: the module a `require` call names, when it is a string. */
export function requiredModule(node: t.Node | null | undefined, scopes: ModuleScopes): string | undefined {
  const call = unwrap(node);
  if (call?.type !== "CallExpression" || call.arguments.length !== 1) return undefined;
  const [argument] = call.arguments;
  if (call.callee.type !== "Identifier" || call.callee.name !== "require") return undefined;
  if (!isGlobal("require", call, scopes) || argument?.type !== "StringLiteral") return undefined;
  return argument.value;
}

/** What an identifier is bound to from Node's `fs`: `"*"` for the module, or the name of a function of it. */
function fromFs(name: string, at: t.Node, scopes: ModuleScopes): string | undefined {
  const binding = scopes.scopeAt(at).getBinding(name);
  if (!binding || binding.violations.length > 0) return undefined;
  const node = binding.node;
  if (
    node.type === "ImportSpecifier" ||
    node.type === "ImportDefaultSpecifier" ||
    node.type === "ImportNamespaceSpecifier"
  ) {
    const statement = scopes.parentOf(node) as t.ImportDeclaration;
    if (!FS_MODULES.has(statement.source.value)) return undefined;
    return node.type === "ImportSpecifier" ? exportName(node.imported) : "*";
  }
  if (node.type !== "VariableDeclarator" || (scopes.parentOf(node) as t.VariableDeclaration).kind !== "const")
    return undefined;
  const source = requiredModule(node.init, scopes);
  if (source === undefined || !FS_MODULES.has(source)) return undefined;
  if (node.id.type === "Identifier") return "*";
  if (node.id.type !== "ObjectPattern") return undefined;
  for (const property of node.id.properties) {
    if (property.type !== "ObjectProperty" || property.computed) continue;
    if (property.value.type === "Identifier" && property.value.name === name && property.key.type === "Identifier")
      return property.key.name;
  }
  return undefined;
}

/**
 * `readFileSync(p, "utf8")`, `await fs.readFile(p, { encoding: "utf8" })`
 * with Node's `fs` (or `fs/promises`): a new string each time. Without an
 * encoding it is a buffer, whose memory may be a slice of a pool that other
 * buffers share: not fresh.
 */
function readsText(call: t.CallExpression, scopes: ModuleScopes): boolean {
  if (!hasEncoding(call.arguments[1])) return false;
  const callee = unwrap(call.callee);
  if (callee.type === "Identifier") {
    const imported = fromFs(callee.name, callee, scopes);
    return imported !== undefined && FS_READS.has(imported);
  }
  const method = memberName(callee);
  const object = method === undefined ? undefined : unwrap((callee as t.MemberExpression).object);
  return object?.type === "Identifier" && FS_READS.has(method!) && fromFs(object.name, object, scopes) === "*";
}

function hasEncoding(options: t.Node | undefined): boolean {
  if (options?.type === "StringLiteral") return true;
  if (options?.type !== "ObjectExpression") return false;
  return options.properties.some(
    (property) =>
      property.type === "ObjectProperty" &&
      !property.computed &&
      propertyKey(property.key) === "encoding" &&
      property.value.type === "StringLiteral",
  );
}

/** `3`, `"a"`, `-1`, a template without expressions: a value written in the code. */
export function isLiteral(expression: t.Node | null | undefined): boolean {
  const node = unwrap(expression);
  if (!node) return true;
  if (PRIMITIVE_LITERALS.has(node.type)) return true;
  if (node.type === "TemplateLiteral") return node.expressions.length === 0;
  return node.type === "UnaryExpression" && node.operator !== "delete" && isLiteral(node.argument);
}

/** A primitive value: a literal, a template (a string, whatever it reads), `-1`, `undefined`. */
function isPrimitiveValue(node: t.Node, scopes: ModuleScopes): boolean {
  if (PRIMITIVE_LITERALS.has(node.type) || node.type === "TemplateLiteral") return true;
  if (node.type === "UnaryExpression")
    return node.operator !== "delete" && isPrimitiveValue(unwrap(node.argument), scopes);
  return node.type === "Identifier" && node.name === "undefined" && isGlobal("undefined", node, scopes);
}

/**
 * Whether `node` makes a value that no other code holds: a primitive, a
 * file's text, `JSON.parse(text)` (no reviver), `structuredClone(fresh)`,
 * `Object.freeze(fresh)`, or an object or array literal whose parts are all
 * fresh (no spread, no method, no getter, no `__proto__`).
 */
export function isFresh(expression: t.Node | null | undefined, scopes: ModuleScopes): boolean {
  const node = unwrap(expression);
  if (!node) return false;
  if (isPrimitiveValue(node, scopes)) return true;
  switch (node.type) {
    case "ObjectExpression":
      return node.properties.every(
        (property) =>
          property.type === "ObjectProperty" &&
          !property.shorthand &&
          (property.computed ? PRIMITIVE_LITERALS.has(property.key.type) : propertyKey(property.key) !== "__proto__") &&
          isFresh(property.value, scopes),
      );
    case "ArrayExpression":
      return node.elements.every((element) => element === null || isFresh(element, scopes));
    case "AwaitExpression":
      return isFresh(node.argument, scopes);
    case "CallExpression": {
      const args = node.arguments;
      if (args.length !== 1 || args[0]!.type === "SpreadElement") return readsText(node, scopes);
      const callee = globalCallee(node.callee, scopes);
      if (callee === "JSON.parse") return true;
      // A clone shares the memory of a SharedArrayBuffer in its argument: only a clone of fresh data is fresh.
      if (callee === "Object.freeze" || callee === "structuredClone") return isFresh(args[0], scopes);
      return false;
    }
    default:
      return false;
  }
}

function propertyKey(key: t.Node): string | undefined {
  if (key.type === "Identifier") return key.name;
  return key.type === "StringLiteral" ? key.value : undefined;
}
