/**
 * What normalization leaves out or rewrites: type-only syntax and statements
 * without effect, fields that do not change behavior, which fields are names,
 * the order of statement slots, and how scalars print.
 */
import * as t from "@babel/types";

// Declarations that exist only for the type checker.
const TYPE_ONLY = new Set([
  "TSInterfaceDeclaration",
  "TSTypeAliasDeclaration",
  "TSDeclareFunction",
  "TSDeclareMethod",
  "TSIndexSignature",
  "TSExportAssignment",
  "TSNamespaceExportDeclaration",
]);

// Fields that never change behavior: positions, comments, raw spellings
// (`extra`), types and TypeScript modifiers.
const SKIPPED_FIELDS = new Set([
  "loc",
  "start",
  "end",
  "range",
  "extra",
  "leadingComments",
  "trailingComments",
  "innerComments",
  "typeAnnotation",
  "returnType",
  "typeParameters",
  "typeArguments",
  "superTypeParameters",
  "superTypeArguments",
  "implements",
  "declare",
  "definite",
  "accessibility",
  "readonly",
  "override",
  "abstract",
  "predicate",
  "variance",
  "importKind",
  "exportKind",
]);

// Only in these nodes does `optional` mean `?.`; elsewhere it is TypeScript's `x?`.
export const OPTIONAL_CHAINS = new Set(["OptionalMemberExpression", "OptionalCallExpression"]);

// Keys whose identifier is a property name, not a binding.
const KEYED = new Set([
  "ObjectProperty",
  "ObjectMethod",
  "ClassProperty",
  "ClassMethod",
  "ClassAccessorProperty",
  "ClassPrivateProperty",
  "ClassPrivateMethod",
]);

const fieldCache = new Map<string, string[]>();

export function fieldsOf(node: t.Node): string[] {
  let fields = fieldCache.get(node.type);
  if (!fields) {
    const known = t.NODE_FIELDS[node.type];
    fields = Object.keys(known ?? node)
      .filter((key) => key !== "type" && !SKIPPED_FIELDS.has(key))
      .sort();
    fieldCache.set(node.type, fields);
  }
  return fields;
}

export type AnyNode = t.Node & Record<string, unknown>;

// Statement slots where `{ x; }` and `x;` behave the same.
const STATEMENT_SLOTS: Readonly<Record<string, ReadonlySet<string>>> = {
  IfStatement: new Set(["consequent", "alternate"]),
  ForStatement: new Set(["body"]),
  ForInStatement: new Set(["body"]),
  ForOfStatement: new Set(["body"]),
  WhileStatement: new Set(["body"]),
  DoWhileStatement: new Set(["body"]),
};

/**
 * Braces around the single statement of an `if` branch or a loop body are
 * formatting: `for (x of xs) { f(x); }` is `for (x of xs) f(x);`. Not when
 * the statement declares something, which the braces scope.
 */
export function statementBody(parent: t.Node, key: string, value: unknown): unknown {
  if (!STATEMENT_SLOTS[parent.type]?.has(key) || !isNode(value) || value.type !== "BlockStatement") return value;
  if (value.body.length !== 1 || value.directives.length > 0) return value;
  const only = value.body[0]!;
  const declares =
    only.type === "FunctionDeclaration" ||
    only.type === "ClassDeclaration" ||
    (only.type === "VariableDeclaration" && only.kind !== "var");
  return declares ? value : only;
}

export function isNode(value: unknown): value is t.Node {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

export function scalar(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** `0x10n` and `16n` are the same value. */
export function bigint(value: string): string {
  try {
    return BigInt(value.replaceAll("_", "")).toString();
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return value;
  }
}

// `{ __proto__ }` defines an own property, `{ __proto__: x }` sets the prototype.
export function isProtoShorthand(node: t.Node): boolean {
  return (
    node.type === "ObjectProperty" && node.shorthand && node.key.type === "Identifier" && node.key.name === "__proto__"
  );
}

/**
 * The text JSX makes of a text child: lines trimmed, blank lines dropped,
 * the rest joined by a space (React's rule, as Babel's JSX transform applies it).
 */
export function cleanJsxText(value: string): string {
  const lines = value.split(/\r\n|\n|\r/);
  let lastNonEmpty = 0;
  lines.forEach((line, index) => {
    if (/[^ \t]/.test(line)) lastNonEmpty = index;
  });
  let text = "";
  lines.forEach((line, index) => {
    let trimmed = line.replace(/\t/g, " ");
    if (index !== 0) trimmed = trimmed.replace(/^[ ]+/, "");
    if (index !== lines.length - 1) trimmed = trimmed.replace(/[ ]+$/, "");
    if (!trimmed) return;
    if (index !== lastNonEmpty) trimmed += " ";
    text += trimmed;
  });
  return text;
}

/** Statements and members without run-time effect, and the function's own directive (`ownDirective`). */
export function isDropped(item: t.Node, parent: t.Node, key: string, ownDirective: t.Directive | undefined): boolean {
  if (item === ownDirective) return true;
  if (item.type === "EmptyStatement" || TYPE_ONLY.has(item.type)) return true;
  // `import type`, `export type { ... }` (in a serialized program).
  if (
    (item as { importKind?: string }).importKind === "type" ||
    (item as { importKind?: string }).importKind === "typeof"
  )
    return true;
  if ((item as { exportKind?: string }).exportKind === "type") return true;
  if ((item as { declare?: boolean }).declare === true) return true;
  if (item.type === "ClassProperty" && item.abstract) return true;
  // TypeScript's `this: T` parameter of a nested function.
  if (key === "params" && item.type === "Identifier" && item.name === "this") return true;
  if (key === "children" && (parent.type === "JSXElement" || parent.type === "JSXFragment")) {
    if (item.type === "JSXText") return cleanJsxText(item.value) === "";
    if (item.type === "JSXExpressionContainer") return item.expression.type === "JSXEmptyExpression";
  }
  return false;
}

/**
 * Whether `value`, the field `key` of `node`, is a name (kept as written), not
 * a reference: a label, a property key, a lower-case JSX tag that is not a local.
 */
export function isNamePosition(node: t.Node, key: string, value: unknown, isLocal: (node: t.Node) => boolean): boolean {
  if (!isNode(value)) return false;
  switch (node.type) {
    case "LabeledStatement":
    case "BreakStatement":
    case "ContinueStatement":
      return key === "label";
    case "MetaProperty":
    case "JSXAttribute":
    case "JSXNamespacedName":
    case "JSXMemberExpression":
    case "ImportAttribute":
    case "TSEnumMember":
      // new.target, import.meta, attribute names, `<a.b>`'s `b`, enum members.
      return key !== "object" && key !== "value" && key !== "initializer";
    case "JSXOpeningElement":
    case "JSXClosingElement":
      // `<div>` is a tag name; `<Item>` reads the binding `Item`.
      return key === "name" && value.type === "JSXIdentifier" && /^[a-z]/.test(value.name) && !isLocal(value);
    default:
      return key === "key" && KEYED.has(node.type) && !(node as { computed?: boolean }).computed;
  }
}
