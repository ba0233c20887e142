/**
 * Which references of a module binding only write it (`log.push(x)`,
 * `runs[k] = (runs[k] ?? 0) + 1` as statements): code that only writes a
 * binding does not depend on its value (`module-state.ts`'s `reads`).
 */
import * as t from "@babel/types";
import { type Binding, memberName, type ModuleScopes, TRANSPARENT_WRAPPERS } from "../syntax/index.js";
import { MUTATING_METHODS } from "./method-effects.js";

/** An expression whose value is thrown away: a statement of its own. */
function discarded(node: t.Node, scopes: ModuleScopes): boolean {
  return scopes.parentOf(node)?.type === "ExpressionStatement";
}

/** The binding a member chain (`a.b[c]`) starts from, if it starts from a name. */
function rootBinding(at: t.Node, node: t.Node, scopes: ModuleScopes): Binding | undefined {
  let current = node;
  while (
    TRANSPARENT_WRAPPERS.has(current.type) ||
    current.type === "MemberExpression" ||
    current.type === "OptionalMemberExpression"
  ) {
    current = TRANSPARENT_WRAPPERS.has(current.type)
      ? (current as t.TSAsExpression).expression
      : (current as t.MemberExpression).object;
  }
  return current.type === "Identifier" ? scopes.scopeAt(at).getBinding(current.name) : undefined;
}

/**
 * Whether a reference only writes the binding: a mutation (or `x++`, `x += 1`)
 * whose value is thrown away, or a read inside the right side of such an
 * assignment to the same binding (`runs[k] = (runs[k] ?? 0) + 1;`).
 */
export function writesOnly(reference: t.Node, binding: Binding, scopes: ModuleScopes): boolean {
  let current = reference;
  let depth = 0;
  for (;;) {
    const node = scopes.parentOf(current)!;
    if (TRANSPARENT_WRAPPERS.has(node.type)) current = node;
    else if (
      (node.type === "MemberExpression" || node.type === "OptionalMemberExpression") &&
      node.object === current
    ) {
      current = node;
      depth++;
    } else break;
  }
  const node = scopes.parentOf(current)!;
  if (node.type === "AssignmentExpression" && node.left === current && (depth > 0 || node.operator !== "="))
    return discarded(node, scopes);
  if (node.type === "UpdateExpression") return discarded(node, scopes);
  if (node.type === "UnaryExpression" && node.operator === "delete" && depth > 0) return discarded(node, scopes);
  if (
    node.type === "CallExpression" &&
    node.callee === current &&
    depth > 0 &&
    MUTATING_METHODS.has(memberName(current) ?? "")
  ) {
    return discarded(node, scopes);
  }
  for (
    let path = scopes.parentOf(reference);
    path && !t.isFunction(path) && !t.isStatement(path);
    path = scopes.parentOf(path)
  ) {
    if (path.type !== "AssignmentExpression") continue;
    const right = path.right;
    const inside = reference.start! >= right.start! && reference.end! <= right.end!;
    if (inside && path.left.type !== "Identifier" && rootBinding(path, path.left, scopes) === binding)
      return discarded(path, scopes);
  }
  return false;
}
