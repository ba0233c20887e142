import type { NodePath } from "@babel/traverse";
import type * as t from "@babel/types";
import { TRANSPARENT_WRAPPERS } from "./ast.js";

/**
 * The name users know a function by, for the meta object and the CLI:
 * its own name, else the variable, property or method it is assigned to
 * (`ClassName.method` for class members), `default` for an anonymous default
 * export, `anonymous` otherwise.
 */
export function functionName(path: NodePath<t.Function>, code: string): string {
  const node = path.node;
  if ((node.type === "FunctionDeclaration" || node.type === "FunctionExpression") && node.id) return node.id.name;
  if (node.type === "ObjectMethod") return keyName(node.key, node.computed, code);
  if (node.type === "ClassMethod" || node.type === "ClassPrivateMethod") {
    return `${className(path.parentPath.parentPath, code)}.${keyName(node.key, node.computed === true, code)}`;
  }
  return assignedName(path, code) ?? "anonymous";
}

/** The name a value gets from where it is assigned; undefined when it has none. */
function assignedName(path: NodePath, code: string): string | undefined {
  let child: NodePath = path;
  let parent = path.parentPath;
  while (parent && TRANSPARENT_WRAPPERS.has(parent.node.type)) {
    child = parent;
    parent = parent.parentPath;
  }
  if (!parent) return undefined;
  const node = parent.node;
  switch (node.type) {
    case "VariableDeclarator":
      return child.key === "init" && node.id.type === "Identifier" ? node.id.name : undefined;
    case "AssignmentExpression":
      return child.key === "right" ? targetName(node.left, code) : undefined;
    case "AssignmentPattern":
      return child.key === "right" && node.left.type === "Identifier" ? node.left.name : undefined;
    case "ObjectProperty":
      return child.key === "value" ? keyName(node.key, node.computed, code) : undefined;
    case "ClassProperty":
    case "ClassPrivateProperty":
    case "ClassAccessorProperty":
      return child.key === "value"
        ? `${className(parent.parentPath?.parentPath, code)}.${keyName(node.key, "computed" in node ? node.computed : false, code)}`
        : undefined;
    case "ExportDefaultDeclaration":
      return "default";
    default:
      return undefined;
  }
}

function className(path: NodePath | null | undefined, code: string): string {
  if (!path) return "anonymous";
  const node = path.node;
  if ((node.type === "ClassDeclaration" || node.type === "ClassExpression") && node.id) return node.id.name;
  return assignedName(path, code) ?? "anonymous";
}

/** `exports.load = ...` and `module.exports.load = ...` are named `load`. */
function targetName(target: t.Node, code: string): string | undefined {
  if (target.type === "Identifier") return target.name;
  if (target.type !== "MemberExpression") return undefined;
  const text = code.slice(target.start ?? 0, target.end ?? 0).replace(/\s+/g, "");
  return text.replace(/^(?:module\.)?exports\./, "");
}

function keyName(key: t.Node, computed: boolean, code: string): string {
  if (computed) return `[${code.slice(key.start ?? 0, key.end ?? 0)}]`;
  switch (key.type) {
    case "Identifier":
      return key.name;
    case "StringLiteral":
      return key.value;
    case "NumericLiteral":
      return String(key.value);
    case "BigIntLiteral":
      return key.value;
    case "PrivateName":
      return `#${key.id.name}`;
    default:
      return code.slice(key.start ?? 0, key.end ?? 0);
  }
}

/**
 * Where a function starts for humans (meta `line`, errors): its first token,
 * or, for a decorated method, its key (decorators may sit lines above).
 */
export function functionStart(node: t.Function): { line: number; column: number } {
  const decorated = "decorators" in node && node.decorators && node.decorators.length > 0;
  const start = decorated && "key" in node ? node.key.loc!.start : node.loc!.start;
  return { line: start.line, column: start.column };
}
