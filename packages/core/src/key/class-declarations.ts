/**
 * Top-level class declarations of a module, as the class registrations see
 * them (`class-entries.ts`) and the graph marks them (`graph-walk.ts`).
 */
import type * as t from "@babel/types";
import { unwrap } from "../syntax/index.js";

/** The name a class declaration binds (`class Point`, `const Point = class {}`); undefined for anything else. */
export function declaredClassName(node: t.Node): string | undefined {
  if (node.type === "ClassDeclaration" || node.type === "ClassExpression") return node.id?.name ?? "default";
  if (
    node.type === "VariableDeclarator" &&
    node.id.type === "Identifier" &&
    unwrap(node.init)?.type === "ClassExpression"
  )
    return node.id.name;
  return undefined;
}

/** The module's top-level class declarations, as the graph keys them. */
export function topLevelClasses(program: t.Program): t.Node[] {
  const classes: t.Node[] = [];
  for (const statement of program.body) {
    const declaration =
      statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration"
        ? statement.declaration
        : statement;
    if (declaration?.type === "ClassDeclaration" && declaration.id) classes.push(declaration);
    if (declaration?.type === "VariableDeclaration") {
      for (const declarator of declaration.declarations) if (declaredClassName(declarator)) classes.push(declarator);
    }
  }
  return classes;
}
