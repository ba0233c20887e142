/**
 * The project classes a cached function's module registers with the runtime,
 * so that instances of them in a result come back as instances (the runtime's
 * `classes.ts`): each under an id made of the file that declares it, its name
 * there and its hash (its code and what it reaches), with the expression the
 * module reads it by.
 *
 * Which: the classes the function names itself, declared at the top of its
 * module or imported into it (`Point`, `shapes.Point`), and the top-level
 * classes of its module that it reaches through its helpers. A class reached
 * only through a helper of another module has no name in this module (adding
 * an import would change when modules run), so it is not registered here.
 */
import * as t from "@babel/types";
import { stripQuery, unwrap } from "../syntax/index.js";
import type { Session } from "./graph-walk.js";
import { keyOf } from "./labels.js";
import type { Target } from "./targets.js";

/** One class a module registers: `src/point.ts#Point@…`, read by `Point`. */
export interface ClassEntry {
  id: string;
  /** The expression the module reads the class by, at its top level. */
  expression: string;
}

const MEMBER_PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

/** The classes the function at `index` makes its module register (see above), by id. */
export function classesOf(
  session: Session,
  index: number,
  reach: ReadonlySet<string>,
  hashOf: (key: string) => string,
  relativeFile: (file: string) => string,
): ClassEntry[] {
  const found = new Map<string, string>();
  const idOf = (target: Target & { kind: "declaration" }, key: string) => {
    const name = declaredName(target.node);
    return name === undefined ? undefined : `${relativeFile(stripQuery(target.record.path))}#${name}@${hashOf(key)}`;
  };
  const scope = session.scopes.outerScope(session.functions[index]!.node);
  for (const edge of session.rootEdges[index] ?? []) {
    const target = edge.target;
    if (target.kind !== "declaration" || !MEMBER_PATH.test(edge.name)) continue;
    // Read at the module's top level: the name must be a module binding there, not a local of an enclosing function.
    if (scope.getBinding(edge.name.split(".")[0]!)?.scope.isProgram !== true) continue;
    const id = idOf(target, edge.key);
    if (id !== undefined) found.set(id, edge.name);
  }
  for (const node of session.scopes.program.block.type === "Program"
    ? topLevelClasses(session.scopes.program.block)
    : []) {
    const target = { kind: "declaration" as const, record: session.entry, node, scopes: session.scopes };
    const key = keyOf(target);
    if (!reach.has(key)) continue;
    const id = idOf(target, key);
    const name = declaredName(node);
    if (id !== undefined && name !== undefined && name !== "default" && !found.has(id)) found.set(id, name);
  }
  return [...found].map(([id, expression]) => ({ id, expression }));
}

/** The name a class declaration binds (`class Point`, `const Point = class {}`); undefined for anything else. */
function declaredName(node: t.Node): string | undefined {
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
function topLevelClasses(program: t.Program): t.Node[] {
  const classes: t.Node[] = [];
  for (const statement of program.body) {
    const declaration =
      statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration"
        ? statement.declaration
        : statement;
    if (declaration?.type === "ClassDeclaration" && declaration.id) classes.push(declaration);
    if (declaration?.type === "VariableDeclaration") {
      for (const declarator of declaration.declarations) if (declaredName(declarator)) classes.push(declarator);
    }
  }
  return classes;
}
