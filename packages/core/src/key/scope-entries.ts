/**
 * What a cached function's key covers by value (its scope: outside variables,
 * closure parameters, imported data) and which node is the function itself,
 * read off the graph a \`Session\` built.
 */
import { unchangingAfterLoad } from "../state/index.js";
import { unwrap } from "../syntax/index.js";
import type { Session } from "./graph-walk.js";
import { keyOf } from "./labels.js";
import { madeByPackage } from "./reach.js";
import { isData } from "./targets.js";

/** One outside variable a cached function reads, keyed by value at call time. */
export interface ScopeEntry {
  /** `RATE`, or `h.rate` for a member of a namespace import. */
  name: string;
  /** The expression the rewritten code evaluates for it. */
  expression: string;
  /**
   * A variable of an enclosing function (a parameter or local: made at run
   * time), or an import the build could not resolve, not a module binding
   * whose code is in the hash: the runtime keys a function among its values
   * by its source, never by the code hash.
   */
  closure: boolean;
  /** A module binding whose declaration refers to packages only: a package's object (`madeByPackage`). */
  package?: boolean;
  /**
   * A module binding whose data the build proved never changes after load
   * (`state/unchanging-data.ts`): the runtime keys its value once per process.
   */
  unchanging?: boolean;
}

/**
 * The outside variables a cached function reads, keyed by value: its
 * free names bound to variables, closure parameters and data imported from
 * project modules, plus the closure variables of enclosing functions that
 * the helpers it reaches read (when the function sees them by the same name).
 */
export function scopeOf(session: Session, index: number, reachable: Iterable<string>): ScopeEntry[] {
  // name → whether it is a closure variable
  const names = new Map<string, boolean>();
  for (const edge of session.rootEdges[index] ?? []) {
    if (edge.value === "value" || (edge.value === "if-data" && isData(edge.target))) {
      // A variable of an enclosing function, or an import the build could not resolve: made where the build cannot see.
      const runtime = (edge.binding !== undefined && !edge.binding.scope.isProgram) || edge.target.kind === "token";
      names.set(edge.name, (names.get(edge.name) ?? false) || runtime);
    }
  }
  const scope = session.scopes.outerScope(session.functions[index]!.node);
  for (const key of reachable) {
    for (const closure of session.node(key)?.closures ?? []) {
      if (scope.getBinding(closure.name) === closure.binding) names.set(closure.name, true);
    }
  }
  // Module bindings made by a package (`const sdk = new Client(…)`).
  const fromPackage = new Set<string>();
  for (const edge of session.rootEdges[index] ?? []) {
    if (edge.target.kind !== "declaration" || names.get(edge.name) !== false) continue;
    const node = session.node(edge.key);
    if (node !== undefined && madeByPackage(node, (key) => session.node(key))) fromPackage.add(edge.name);
  }
  // Module data proven never to change after load.
  const unchanging = new Set<string>();
  for (const edge of session.rootEdges[index] ?? []) {
    if (edge.target.kind !== "declaration" || names.get(edge.name) !== false || !edge.binding?.scope.isProgram)
      continue;
    if (unchangingAfterLoad(edge.binding)) unchanging.add(edge.name);
  }
  return [...names.keys()].sort().map((name) => ({
    name,
    expression: name,
    closure: names.get(name)!,
    ...(fromPackage.has(name) ? { package: true } : {}),
    ...(unchanging.has(name) ? { unchanging: true } : {}),
  }));
}

/** The declaration node of a cached function itself (a recursive call reaches it): not listed in its deps. */
export function selfKey(session: Session, index: number): string | undefined {
  const fn = session.functions[index]!.node;
  if (fn.type === "FunctionDeclaration")
    return keyOf({ kind: "declaration", record: session.entry, node: fn, scopes: session.scopes });
  const parent = session.scopes.parentOf(fn);
  if (parent?.type === "VariableDeclarator" && unwrap(parent.init) === fn) {
    return keyOf({ kind: "declaration", record: session.entry, node: parent, scopes: session.scopes });
  }
  return undefined;
}
