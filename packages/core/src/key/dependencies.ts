/**
 * What a cached function can see, and what its hash therefore covers.
 *
 * Each free name of the function is resolved through the module's scopes (`syntax/scope.ts`; from the
 * function's enclosing scope outwards) to a binding, and the binding to a
 * node of a dependency graph: a declaration of the same module or of an
 * imported project module (hashed by its normalized code, and transitively by
 * what its own free names resolve to), a parameter of an enclosing function
 * (no static content: its value is keyed at run time), a package (name and
 * version), a Node built-in (name), or a token for what cannot be found.
 * Globals have no binding and are not tracked.
 *
 * The reachable graph is built first (resolution is async, the `Session`
 * walk below; what a name refers to is found by `lookup.ts`, and targets are
 * keyed and labelled by `labels.ts`), then hashed with Tarjan's strongly connected components
 * (`components.ts`): every node of a cycle gets the same
 * hash, computed from the members' own hashes and the hashes of what the cycle
 * reaches, so no hash depends on the order nodes were found in.
 *
 * Nodes of module-level code and their hashes depend on file contents only
 * (the cached function is not a node: it is a list of edges into the graph),
 * so the module graph keeps them for every later transform of the build until
 * a file changes. Declarations inside functions and closure parameters belong
 * to the module being transformed and are computed for each transform. What
 * each function reaches is reported by `reach.ts` (`deps`, state, warnings).
 */
import path from "node:path";
import { isInNodeModules, type ModuleRecord } from "../modules/index.js";
import { scopesOf, shortHash, stripQuery } from "../syntax/index.js";
import { hashComponents } from "./components.js";
import {
  type ReachedNode,
  stateDeclarations,
  stateSites,
  treeOf,
  type VariableSite,
  variableSites,
} from "./explain.js";
import { type ClassEntry, classesOf, classFilesOf } from "./class-entries.js";
import type { Analysis } from "./function-analysis.js";
import type { GraphNode, StateBinding } from "./graph-node.js";
import { type DependencyOptions, Session } from "./graph-walk.js";
import { hashFunction } from "./hash.js";
import { depsOf, reachableFrom, SHOWN, stateOf, unknowableOf } from "./reach.js";
import { type ScopeEntry, scopeOf, selfKey } from "./scope-entries.js";
import { readsViewLayout } from "./view-layout.js";

export interface FunctionDependencies {
  /** The function's hash: its own code and, transitively, everything it reaches. */
  hash: string;
  /** Outside variables keyed by value, sorted by name (before `ignore`). */
  scope: ScopeEntry[];
  /** `[label, own hash]` pairs: `["own code", ...]` first, then what it reaches, sorted by label. */
  deps: Array<[string, string]>;
  /** Module-level bindings it reaches that change after load (absolute files), sorted: keyed by value at call time. */
  state: StateBinding[];
  /** What it reaches that the build cannot know, one line each (`src/h.ts:3: eval`). */
  unknowable: Array<{ construct: string; file: string; line: number }>;
  /** What it reaches as a tree, for `cachephant explain` (the nodes `deps` lists). */
  tree: ReachedNode[];
  /** Where each `scope` entry is declared, in `scope`'s order. */
  scopeSites: VariableSite[];
  /** Where each `state` binding is declared, in `state`'s order (files relative to the root). */
  stateSites: VariableSite[];
  /** The project classes its module registers with the runtime, so a result's instances of them come back as such. */
  classes: ClassEntry[];
  /** The other project modules declaring top-level classes it reaches (absolute): each registers its own. */
  classFiles: string[];
  /** Code it reaches may read a typed array's `buffer` or `byteOffset`: its views are keyed whole (`view-layout.ts`). */
  viewBuffers: boolean;
}

export interface DependencyAnalysis {
  functions: FunctionDependencies[];
  /** Absolute paths of the other project files the hashes depend on. */
  files: string[];
  /**
   * Names searched in the project to tell whether reached exported data is
   * mutated elsewhere: a project file that starts naming one may change the
   * result (see `state/outside-mutation.ts`).
   */
  outside: string[];
}

export { MAX_DEPS } from "./reach.js";

/** How many times a transform starts again when files keep changing while it reads them. */
const ATTEMPTS = 5;

/**
 * Resolves what each cached function of a module reaches and computes its
 * hash, `scope` and `deps`. Never fails for a helper; the function's own
 * errors were reported before.
 */
export async function analyzeDependencies(
  analysis: Analysis,
  entry: ModuleRecord,
  options: DependencyOptions,
): Promise<DependencyAnalysis> {
  const scopes = scopesOf(analysis.ast);
  let session = new Session(options, entry, analysis.functions, scopes);
  for (let attempt = 1; !(await session.build()) && attempt < ATTEMPTS; attempt++) {
    session = new Session(options, entry, analysis.functions, scopes);
  }
  if (!options.track) {
    return {
      functions: analysis.functions.map((fn, index) => ({
        hash: fn.hash,
        scope: scopeOf(session, index, []),
        deps: [["own code", fn.hash.slice(0, SHOWN)]],
        state: [],
        unknowable: [],
        tree: [],
        scopeSites: scopeOf(session, index, []).map(({ name }) => ({ name })),
        stateSites: [],
        classes: [],
        classFiles: [],
        viewBuffers: readsViewLayout(fn.node),
      })),
      files: [],
      outside: [],
    };
  }

  const state = options.graph;
  const nodeOf = (key: string) => session.node(key);
  const reachable = reachableFrom(
    session.rootEdges.flat().map((edge) => edge.key),
    nodeOf,
  );
  // Module-level nodes first (their hashes are kept in the graph), then this module's own.
  hashComponents(
    [...reachable].filter((key) => !session.local.has(key)),
    nodeOf,
    (key) => state.hashes.get(key),
    (key, hash) => state.hashes.set(key, hash),
  );
  const localHashes = new Map<string, string>();
  hashComponents(
    [...reachable].filter((key) => session.local.has(key)),
    nodeOf,
    (key) => localHashes.get(key) ?? state.hashes.get(key),
    (key, hash) => localHashes.set(key, hash),
  );
  const hashOf = (key: string) => localHashes.get(key) ?? state.hashes.get(key) ?? shortHash(`missing ${key}`);

  // What the module's functions reach together: read once, not once per function.
  const files = new Set<string>(session.rootTrails.flatMap((trail) => [...trail]));
  const outside = new Set<string>();
  for (const key of reachable) {
    const node = nodeOf(key);
    for (const file of node?.files ?? []) files.add(file);
    for (const name of node?.outside ?? []) outside.add(name);
  }
  // Where the changing bindings are declared, for explain: looked up once, when a function has state.
  let declarations: Map<string, GraphNode> | undefined;
  const declarationsOf = () => (declarations ??= stateDeclarations([...reachable].map(nodeOf)));
  const functions = analysis.functions.map((fn, index): FunctionDependencies => {
    const edges = session.rootEdges[index]!;
    const reach = reachableFrom(
      edges.map((edge) => edge.key),
      nodeOf,
    );
    const dependencies = new Map<string, string>();
    for (const edge of edges) dependencies.set(edge.name, hashOf(edge.key));
    const self = selfKey(session, index);
    const listed = [...reach]
      .filter((key) => key !== self)
      .map(nodeOf)
      .filter((node): node is GraphNode => node !== undefined);
    const reached = [...reach].map(nodeOf).filter((node): node is GraphNode => node !== undefined);
    const scope = scopeOf(session, index, reach);
    const scopeNames = new Set(scope.map((entry) => entry.name));
    const state = stateOf(
      reached,
      new Set(edges.map((edge) => edge.key)),
      entry.path,
      fn.node,
      new Set(edges.filter((edge) => scopeNames.has(edge.name)).map((edge) => edge.key)),
    );
    const relativeFile = (file: string) => path.relative(options.root, stripQuery(file)).split(path.sep).join("/");
    const closures = reached.flatMap((node) => node.closures);
    return {
      hash: hashFunction(fn.hashInput, dependencies),
      scope,
      deps: depsOf(listed, fn.hash),
      state,
      unknowable: unknowableOf(reached, fn, entry, session.rootGlobals[index]!),
      tree: treeOf(
        edges.map((edge) => edge.key),
        nodeOf,
        self,
      ),
      scopeSites: variableSites(
        scope.map((entry) => entry.name),
        edges,
        closures,
        nodeOf,
        relativeFile(entry.path),
      ),
      stateSites: stateSites(
        state.map((binding): [string, string] => [relativeFile(binding.file), binding.name]),
        state,
        declarationsOf,
      ),
      classes: classesOf(session, index, reach, relativeFile),
      classFiles: classFilesOf(reached, entry.path),
      viewBuffers: readsViewLayout(fn.node) || reached.some((node) => node.viewLayout === true),
    };
  });
  const itself = stripQuery(entry.path);
  const projectFiles = [...files]
    .filter((file) => file !== entry.path && file !== itself && !isInNodeModules(file))
    .sort();
  return { functions, files: projectFiles, outside: [...outside].sort() };
}
