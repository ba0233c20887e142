/** Small helpers on syntax trees and hashes, shared by the analysis modules. */
import { createHash } from "node:crypto";
import type * as t from "@babel/types";

/** TypeScript-only wrappers around a run-time expression, and parentheses: no behavior of their own. */
export const TRANSPARENT_WRAPPERS: ReadonlySet<string> = new Set([
  "TSAsExpression",
  "TSSatisfiesExpression",
  "TSTypeAssertion",
  "TSNonNullExpression",
  "TSInstantiationExpression",
  "ParenthesizedExpression",
  "TypeCastExpression",
]);

/** The expression inside any transparent wrappers. */
export function unwrap<T extends t.Node | null | undefined>(node: T): T {
  let current: t.Node | null | undefined = node;
  while (current && TRANSPARENT_WRAPPERS.has(current.type)) current = (current as t.TSAsExpression).expression;
  return current as T;
}

/** `export { a as "b c" }`: the name of an export or import specifier part. */
export function exportName(node: t.Identifier | t.StringLiteral): string {
  return node.type === "Identifier" ? node.name : node.value;
}

/** sha256 in hex. */
export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The first 128 bits of sha256 in hex: the length of every hash the analysis ships. */
export function shortHash(data: string | Uint8Array): string {
  return sha256(data).slice(0, 32);
}

/** Literals of a primitive value: `"a"`, `1`, `true`, `null`, `1n`. */
export const PRIMITIVE_LITERALS: ReadonlySet<string> = new Set([
  "StringLiteral",
  "NumericLiteral",
  "BooleanLiteral",
  "NullLiteral",
  "BigIntLiteral",
]);

/** `a.b`, `a["b"]`, `a?.b`: the member read by name (undefined when computed from a value). */
export function memberName(node: t.Node): string | undefined {
  if (node.type !== "MemberExpression" && node.type !== "OptionalMemberExpression") return undefined;
  if (!node.computed && node.property.type === "Identifier") return node.property.name;
  return node.property.type === "StringLiteral" ? node.property.value : undefined;
}
