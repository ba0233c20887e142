/**
 * The project classes a module registers with the runtime, so that instances
 * of them in a result come back as instances (the runtime's `classes.ts`):
 * each under an id made of the file that declares it, its name there and the
 * hash of its own normalized code, with the expression the module reads it by.
 * (What a class reaches is in the hash of every cached function that reaches
 * the class, so an edit there is a new key already; the id tells an edited
 * class from the one that wrote an entry, and is the same whichever module
 * registers it.)
 *
 * Which: a module with cached functions registers the classes they name,
 * declared at its top level or imported into it (`Point`, `shapes.Point`),
 * and the top-level classes of the module that they reach through helpers. A
 * class of another module they reach only through a helper (`parsePoints()`
 * returning `Point`s) has no name here, and an import added for it would change
 * when modules run: that module registers its own top-level classes instead
 * (`moduleClasses`), rewritten like a module whose state they read.
 */
import { isInNodeModules, type ModuleRecord } from "../modules/index.js";
import { type ModuleScopes, stripQuery } from "../syntax/index.js";
import { declaredClassName, topLevelClasses } from "./class-declarations.js";
import type { Session } from "./graph-walk.js";
import { declarationInfo, type GraphNode } from "./graph-node.js";
import { keyOf } from "./labels.js";
import type { Target } from "./targets.js";

/** One class a module registers: `src/point.ts#Point@…`, read by `Point`. */
export interface ClassEntry {
  id: string;
  /** The expression the module reads the class by, at its top level. */
  expression: string;
}

type DeclarationTarget = Target & { kind: "declaration" };

const MEMBER_PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

/** The classes the function at `index` makes its module register (see above), by id. */
export function classesOf(
  session: Session,
  index: number,
  reach: ReadonlySet<string>,
  relativeFile: (file: string) => string,
): ClassEntry[] {
  const found = new Map<string, string>();
  const scope = session.scopes.outerScope(session.functions[index]!.node);
  for (const edge of session.rootEdges[index] ?? []) {
    const target = edge.target;
    if (target.kind !== "declaration" || !MEMBER_PATH.test(edge.name)) continue;
    // Read at the module's top level: the name must be a module binding there, not a local of an enclosing function.
    if (scope.getBinding(edge.name.split(".")[0]!)?.scope.isProgram !== true) continue;
    const id = classId(target, relativeFile);
    if (id !== undefined) found.set(id, edge.name);
  }
  for (const entry of moduleClasses(session.entry, session.scopes, relativeFile, (target) =>
    reach.has(keyOf(target)),
  )) {
    if (!found.has(entry.id)) found.set(entry.id, entry.expression);
  }
  return [...found].map(([id, expression]) => ({ id, expression }));
}

/**
 * The named top-level classes of a module (those `reached` keeps), each read
 * by its name: what a module registers when a cached function elsewhere
 * reaches its classes.
 */
export function moduleClasses(
  record: ModuleRecord,
  scopes: ModuleScopes,
  relativeFile: (file: string) => string,
  reached: (target: DeclarationTarget) => boolean = () => true,
): ClassEntry[] {
  const program = scopes.program.block;
  if (program.type !== "Program") return [];
  const entries: ClassEntry[] = [];
  for (const node of topLevelClasses(program)) {
    const target: DeclarationTarget = { kind: "declaration", record, node, scopes };
    const name = declaredClassName(node);
    if (name === undefined || name === "default" || !reached(target)) continue;
    entries.push({ id: classId(target, relativeFile)!, expression: name });
  }
  return entries;
}

/** `src/point.ts#Point@<own hash>`; undefined when the target is not a class declaration. */
function classId(target: DeclarationTarget, relativeFile: (file: string) => string): string | undefined {
  const name = declaredClassName(target.node);
  if (name === undefined) return undefined;
  const own = declarationInfo(target.record, target.node, target.scopes).own;
  return `${relativeFile(stripQuery(target.record.path))}#${name}@${own.slice(0, 16)}`;
}

/**
 * The other project modules declaring top-level classes among `reached`
 * (absolute, sorted): each registers its own classes (`moduleClasses`).
 * Packages are left out: the build rewrites no package.
 */
export function classFilesOf(reached: Iterable<GraphNode>, entryPath: string): string[] {
  const files = new Set<string>();
  for (const node of reached) {
    if (node.classIn !== undefined && node.classIn !== entryPath && !isInNodeModules(node.classIn))
      files.add(node.classIn);
  }
  return [...files].sort();
}
