/**
 * What a cached function can see, and what its hash therefore covers.
 *
 * Each free name of the function is resolved through the module's scopes (`scope.ts`; from the
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
import * as t from "@babel/types";
import { shortHash as sha256, unwrap } from "../syntax/index.js";
import type { Analysis, AnalyzedFunction } from "./function-analysis.js";
import { declarationInfo, type GraphNode, type StateBinding } from "./graph-node.js";
import { exportTable, type ModuleRecord } from "../modules/index.js";
import type { GraphState } from "./module-graph.js";
import { hashComponents } from "./components.js";
import { declarationLabel, keyOf, Labels } from "./labels.js";
import { NameLookup } from "./lookup.js";
import { type Edge, isData, isLocal, moduleSources, newNode, type Target, type Trail } from "./targets.js";
import { hashFunction } from "./hash.js";
import { stripQuery } from "../syntax/index.js";
import { moduleState } from "../state/index.js";
import { stateDeclarations, stateSites, treeOf, variableSites, type ReachedNode, type VariableSite } from "./explain.js";
import { depsOf, madeByPackage, reachableFrom, SHOWN, stateOf, unknowableOf } from "./reach.js";
import { builtinName, isInNodeModules, packageNameOf, type Resolution, type Resolver } from "../modules/index.js";
import { type ModuleScopes, scopesOf } from "../syntax/index.js";

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
}

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
}

export interface DependencyOptions {
  graph: GraphState;
  resolve: Resolver | undefined;
  /** Project root, for labels. */
  root: string;
  /** False: hash each function's own code only, resolve nothing (benchmarks, debugging). */
  track: boolean;
}

export interface DependencyAnalysis {
  functions: FunctionDependencies[];
  /** Absolute paths of the other project files the hashes depend on. */
  files: string[];
  /**
   * Names searched in the project to tell whether reached exported data is
   * mutated elsewhere: a project file that starts naming one may change the
   * result (see `outside.ts`).
   */
  outside: string[];
}

export { MAX_DEPS } from "./reach.js";


/** Builds the graph reachable from the cached functions of one module, for one transform. */
class Session {
  /** Nodes of this transform only (see `isLocal`). */
  readonly local = new Map<string, GraphNode>();
  /** The direct edges of each cached function, with how each is keyed, and the files they were read from. */
  readonly rootEdges: Array<Array<Edge & { key: string }>> = [];
  readonly rootTrails: Trail[] = [];
  /** The globals each cached function reads itself. */
  readonly rootGlobals: Array<Set<string>> = [];
  /** The graph's version when this session started: if it changes, a file changed meanwhile. */
  readonly version: number;
  private readonly records = new Map<string, Promise<ModuleRecord | null>>();
  private readonly labels: Labels;
  private readonly lookup: NameLookup;

  constructor(
    private readonly options: DependencyOptions,
    readonly entry: ModuleRecord,
    private readonly functions: readonly AnalyzedFunction[],
    /** The scopes of this transform's tree (the one `functions` are nodes of; a remembered `entry` may hold an earlier one). */
    private readonly scopes: ModuleScopes,
  ) {
    this.version = options.graph.version;
    this.records.set(entry.path, Promise.resolve(entry));
    this.labels = new Labels(options.root);
    this.lookup = new NameLookup({ load: (file, trail) => this.load(file, trail), resolve: (specifier, importer) => this.resolve(specifier, importer) }, this.labels);
  }

  private get state(): GraphState {
    return this.options.graph;
  }

  node(key: string): GraphNode | undefined {
    return this.local.get(key) ?? this.state.nodes.get(key);
  }

  /**
   * Resolves what the functions reach, expanding the nodes no earlier
   * transform did. Returns false when a file changed meanwhile (the caller
   * starts again, from the new contents).
   */
  async build(): Promise<boolean> {
    await Promise.all(
      this.functions.map(async (fn, index) => {
        const trail: Trail = new Set();
        const globals = new Set<string>();
        this.rootGlobals[index] = globals;
        const edges = await this.lookup.edgesOf(this.entry, this.scopes.outerScope(fn.node), fn.code, trail, globals);
        this.rootTrails[index] = trail;
        this.rootEdges[index] = edges.map((edge) => ({ ...edge, key: this.options.track ? this.ensure(edge.target) : "" }));
      }),
    );
    if (!this.options.track) return true;
    const reachable = new Set<string>();
    const queue = this.rootEdges.flat().map((edge) => edge.key);
    while (queue.length > 0) {
      const key = queue.pop()!;
      if (reachable.has(key)) continue;
      reachable.add(key);
      const node = this.node(key);
      if (!node) return false; // forgotten: a file changed
      await node.ready;
      for (const [, target] of node.edges) if (!reachable.has(target)) queue.push(target);
    }
    // Nodes an earlier transform expanded were read from files that may have changed since.
    if (this.state.revalidate) {
      const files = new Set<string>();
      for (const key of reachable) for (const file of this.node(key)?.files ?? []) files.add(file);
      for (const file of files) await this.load(file, new Set());
    }
    return this.state.version === this.version;
  }

  private load(file: string, trail: Trail): Promise<ModuleRecord | null> {
    let record = this.records.get(file);
    if (!record) {
      // Each file once per transform: read again (revalidate) or trusted.
      record = this.state.load(file, this.state.revalidate);
      this.records.set(file, record);
    }
    return record.then((found) => {
      if (found) trail.add(file);
      return found;
    });
  }

  private async resolve(specifier: string, importer: string): Promise<Resolution> {
    if (!this.options.track) {
      const builtin = builtinName(specifier);
      if (builtin) return { kind: "builtin", name: builtin };
      const name = packageNameOf(specifier);
      return name ? { kind: "package", name, version: "untracked" } : { kind: "unresolved" };
    }
    return this.state.resolve(specifier, importer, this.options.resolve);
  }

  /** The node of a target, created (and expanded) on first sight, by this transform or an earlier one. */
  private ensure(target: Target): string {
    const key = keyOf(target);
    const store = isLocal(target) ? this.local : this.state.nodes;
    if (!store.has(key)) {
      const node = newNode(key);
      store.set(key, node);
      this.state.stats.expansions++;
      node.ready = this.expand(node, target).catch((error: unknown) => {
        // Never fail the build for a helper: the node counts by its file's
        // whole content (an edit that keeps every offset still changes it), and says so.
        if (process.env.CACHEPHANT_DEBUG) console.error(`cachephant: cannot analyze ${key}:`, error);
        const record = "record" in target ? target.record : undefined;
        node.own = sha256(`error ${record?.contentHash ?? key.replace(/^[a-z]+:/, "")}`);
        node.edges = [];
        node.state = [];
        node.spans = undefined;
        node.unknowable = record
          ? [{ construct: "a helper module that could not be analyzed, so it counts by its whole content", file: record.path, line: 1, start: 0 }]
          : [];
      });
    }
    return key;
  }

  private async expand(node: GraphNode, target: Target): Promise<void> {
    switch (target.kind) {
      case "declaration": {
        const info = declarationInfo(target.record, target.node, target.scopes);
        node.own = info.own;
        node.label = `${declarationLabel(target.node)} (${this.labels.relative(target.record.path)})`;
        if (target.node.loc) node.where = { file: this.labels.relative(target.record.path), line: target.node.loc.start.line };
        node.shown = info.own.slice(0, SHOWN);
        node.files.add(target.record.path);
        const globals = new Set<string>();
        const outer = target.scopes.outerScope(target.node);
        const edges = await this.lookup.edgesOf(target.record, outer, info.code, node.files, globals);
        if (!isLocal(target) && outer.isProgram) {
          node.own = await this.addModuleState(node, target.record, target.node, edges, globals);
          node.shown = node.own.slice(0, SHOWN);
        }
        node.globals = [...globals];
        node.edges = edges.map((edge) => [edge.name, this.ensure(edge.target)]);
        if (isLocal(target)) {
          for (const edge of edges) {
            if (edge.value === "value" && edge.binding && !edge.binding.scope.isProgram) {
              node.closures.push({ name: edge.name, binding: edge.binding });
            }
          }
        }
        return;
      }
      case "param":
        node.own = sha256("param");
        return;
      case "asset":
        node.own = target.record.contentHash.slice(0, 32);
        node.label = `file (${this.labels.relative(target.record.path)})`;
        node.shown = node.own.slice(0, SHOWN);
        node.files.add(target.record.path);
        return;
      case "namespace":
        return this.expandNamespace(node, target.record);
      case "choice":
        node.own = sha256("one of");
        node.edges = target.targets.map((candidate, index) => [`candidate ${index}`, this.ensure(candidate)]);
        return;
      case "token":
        node.own = sha256(target.token);
        node.label = target.label;
        node.shown = target.shown;
        if (target.unparseable !== undefined) {
          node.unknowable = [
            { construct: "a helper module that does not parse, so it counts by its whole content", file: target.unparseable, line: 1, start: 0 },
          ];
        }
        return;
    }
  }

  /**
   * Code that runs at load and touches the declaration's bindings counts as
   * its code (own hash and edges); bindings that change after load are
   * listed as state, read by value at call time. Returns the own hash.
   */
  private async addModuleState(node: GraphNode, record: ModuleRecord, declaration: t.Node, edges: Edge[], globals: Set<string>): Promise<string> {
    const state = moduleState(record);
    const scopes = record.scopes!;
    let names = Object.keys(t.getBindingIdentifiers(declaration));
    // `export default { … }`: registered as `default` (see `anonymousDefaultData`).
    if (names.length === 0 && scopes.parentOf(declaration)?.type === "ExportDefaultDeclaration" && state.exported.includes("default")) names = ["default"];
    const statements = [...new Set(names.flatMap((name) => state.loadTime.get(name) ?? []))].sort((a, b) => a.start! - b.start!);
    let own = node.own;
    if (statements.length > 0) {
      const parts = statements.map((statement) => declarationInfo(record, statement, scopes));
      own = sha256(`${own}\nat load\n${parts.map((part) => part.own).join("\n")}`);
      for (const part of parts) edges.push(...(await this.lookup.edgesOf(record, scopes.program, part.code, node.files, globals)));
    }
    const outside = await this.mutatedOutside(record, names.filter((name) => state.exported.includes(name)), state.exportedCode);
    if (outside.names.length > 0) node.outside = outside.names;
    node.state = names
      .filter((name) => state.changing.includes(name) || outside.mutated.has(name))
      .map((name) => ({ file: record.path, name, reads: state.reads.get(name) ?? [] }));
    const ranges = [declaration, ...statements];
    node.spans = { file: record.path, ranges: ranges.map((range): [number, number] => [range.start!, range.end!]) };
    node.unknowable = state.unknowable
      .filter((found) => found.global === undefined && ranges.some((range) => found.start >= range.start! && found.start < range.end!))
      .map((found) => ({ ...found, file: record.path }));
    node.globalWrites = state.unknowable.filter((found) => found.global !== undefined).map((found) => ({ ...found, file: record.path }));
    return own;
  }

  /**
   * Which of a module's exported bindings (data, and the functions and classes in `code`) another module mutates (all
   * of them without a view of the project), and the names searched for that.
   */
  private async mutatedOutside(record: ModuleRecord, exported: readonly string[], code: ReadonlySet<string>): Promise<{ mutated: Set<string>; names: string[] }> {
    const graph = this.options.graph;
    if (exported.length === 0) return { mutated: new Set(), names: [] };
    // Without a view of the project: data counts as mutated; functions and classes by their code
    // (a transform alone cannot search the importers; the plugin's builds can).
    if (!graph.project) return { mutated: new Set(exported.filter((name) => !code.has(name))), names: [] };
    const mutated = new Set<string>();
    const names = new Set<string>();
    const table = exportTable(record);
    for (const local of exported) {
      const exportedAs =
        local === "default" && table.named.get("default")?.kind === "node"
          ? ["default"]
          : [...table.named].filter(([, entry]) => entry.kind === "local" && entry.name === local).map(([name]) => name);
      const check = await graph.project.check(graph, record, local, exportedAs, code.has(local));
      if (check.mutated) mutated.add(local);
      for (const name of check.names) names.add(name);
    }
    return { mutated, names: [...names] };
  }

  /** A module as a whole: each export by name, or (CommonJS) its whole code and what it requires. */
  private async expandNamespace(node: GraphNode, record: ModuleRecord): Promise<void> {
    node.label = `module (${this.labels.relative(record.path)})`;
    node.files.add(record.path);
    const table = exportTable(record);
    const edges: Array<[string, Target]> = [];
    if (table.esm) {
      const names = [...table.named.keys()].sort();
      node.own = sha256(`namespace ${names.join(",")}\nstars ${table.stars.length}`);
      for (const name of names) edges.push([name, await this.lookup.findExport(record, name, new Set(), node.files)]);
      for (const source of table.stars) edges.push([`* ${source}`, await this.lookup.moduleTarget(record, source, node.files)]);
    } else {
      node.own = declarationInfo(record, record.ast!.program, record.scopes!).own;
      const state = moduleState(record);
      node.state = state.changing.map((name) => ({ file: record.path, name, reads: [0, Number.MAX_SAFE_INTEGER] }));
      node.spans = { file: record.path, ranges: [[0, Number.MAX_SAFE_INTEGER]] };
      node.unknowable = state.unknowable.filter((found) => found.global === undefined).map((found) => ({ ...found, file: record.path }));
      node.globalWrites = state.unknowable.filter((found) => found.global !== undefined).map((found) => ({ ...found, file: record.path }));
      for (const source of moduleSources(record.ast!.program)) {
        edges.push([`require ${source}`, await this.lookup.moduleTarget(record, source, node.files)]);
      }
    }
    node.shown = node.own.slice(0, SHOWN);
    node.edges = edges.map(([name, target]) => [name, this.ensure(target)]);
  }

  /**
   * The outside variables a cached function reads, keyed by value: its
   * free names bound to variables, closure parameters and data imported from
   * project modules, plus the closure variables of enclosing functions that
   * the helpers it reaches read (when the function sees them by the same name).
   */
  scopeOf(index: number, reachable: Iterable<string>): ScopeEntry[] {
    // name → whether it is a closure variable
    const names = new Map<string, boolean>();
    for (const edge of this.rootEdges[index] ?? []) {
      if (edge.value === "value" || (edge.value === "if-data" && isData(edge.target))) {
        // A variable of an enclosing function, or an import the build could not resolve: made where the build cannot see.
        const runtime = (edge.binding !== undefined && !edge.binding.scope.isProgram) || edge.target.kind === "token";
        names.set(edge.name, (names.get(edge.name) ?? false) || runtime);
      }
    }
    const scope = this.scopes.outerScope(this.functions[index]!.node);
    for (const key of reachable) {
      for (const closure of this.node(key)?.closures ?? []) {
        if (scope.getBinding(closure.name) === closure.binding) names.set(closure.name, true);
      }
    }
    // Module bindings made by a package (`const sdk = new Client(…)`).
    const fromPackage = new Set<string>();
    for (const edge of this.rootEdges[index] ?? []) {
      if (edge.target.kind !== "declaration" || names.get(edge.name) !== false) continue;
      const node = this.node(edge.key);
      if (node !== undefined && madeByPackage(node, (key) => this.node(key))) fromPackage.add(edge.name);
    }
    return [...names.keys()]
      .sort()
      .map((name) => ({ name, expression: name, closure: names.get(name)!, ...(fromPackage.has(name) ? { package: true } : {}) }));
  }

  /** The declaration node of a cached function itself (a recursive call reaches it): not listed in its deps. */
  selfKey(index: number): string | undefined {
    const fn = this.functions[index]!.node;
    if (fn.type === "FunctionDeclaration") return keyOf({ kind: "declaration", record: this.entry, node: fn, scopes: this.scopes });
    const parent = this.scopes.parentOf(fn);
    if (parent?.type === "VariableDeclarator" && unwrap(parent.init) === fn) {
      return keyOf({ kind: "declaration", record: this.entry, node: parent, scopes: this.scopes });
    }
    return undefined;
  }
}


/** How many times a transform starts again when files keep changing while it reads them. */
const ATTEMPTS = 5;

/**
 * Resolves what each cached function of a module reaches and computes its
 * hash, `scope` and `deps`. Never fails for a helper; the function's own
 * errors were reported before.
 */
export async function analyzeDependencies(analysis: Analysis, entry: ModuleRecord, options: DependencyOptions): Promise<DependencyAnalysis> {
  const scopes = scopesOf(analysis.ast);
  let session = new Session(options, entry, analysis.functions, scopes);
  for (let attempt = 1; !(await session.build()) && attempt < ATTEMPTS; attempt++) {
    session = new Session(options, entry, analysis.functions, scopes);
  }
  if (!options.track) {
    return {
      functions: analysis.functions.map((fn, index) => ({
        hash: fn.hash,
        scope: session.scopeOf(index, []),
        deps: [["own code", fn.hash.slice(0, SHOWN)]],
        state: [],
        unknowable: [],
        tree: [],
        scopeSites: session.scopeOf(index, []).map(({ name }) => ({ name })),
        stateSites: [],
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
  const hashOf = (key: string) => localHashes.get(key) ?? state.hashes.get(key) ?? sha256(`missing ${key}`);

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
    const self = session.selfKey(index);
    const listed = [...reach].filter((key) => key !== self).map(nodeOf).filter((node): node is GraphNode => node !== undefined);
    const reached = [...reach].map(nodeOf).filter((node): node is GraphNode => node !== undefined);
    const scope = session.scopeOf(index, reach);
    const state = stateOf(reached, new Set(edges.map((edge) => edge.key)), entry.path, fn.node);
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
    };
  });
  const itself = stripQuery(entry.path);
  const projectFiles = [...files].filter((file) => file !== entry.path && file !== itself && !isInNodeModules(file)).sort();
  return { functions, files: projectFiles, outside: [...outside].sort() };
}
