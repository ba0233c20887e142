/**
 * The walk that builds the dependency graph reachable from the cached functions
 * of one module, for one transform (see `dependencies.ts`).
 */
import {
  builtinName,
  exportTable,
  type ModuleRecord,
  packageNameOf,
  type Resolution,
  type Resolver,
} from "../modules/index.js";
import { moduleState } from "../state/index.js";
import { type ModuleScopes, shortHash } from "../syntax/index.js";
import type { AnalyzedFunction } from "./function-analysis.js";
import { declaredClassName } from "./class-declarations.js";
import { addModuleState, type StateContext } from "./declaration-state.js";
import { declarationInfo, type GraphNode } from "./graph-node.js";
import { declarationLabel, keyOf, Labels } from "./labels.js";
import { NameLookup } from "./lookup.js";
import type { GraphState } from "./module-graph.js";
import { SHOWN } from "./reach.js";
import { type Edge, isLocal, moduleSources, newNode, type Target, type Trail } from "./targets.js";
import { readsViewLayout } from "./view-layout.js";

export interface DependencyOptions {
  graph: GraphState;
  resolve: Resolver | undefined;
  /** Project root, for labels. */
  root: string;
  /** False: hash each function's own code only, resolve nothing (benchmarks, debugging). */
  track: boolean;
}

/** Builds the graph reachable from the cached functions of one module, for one transform. */
export class Session {
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
    readonly functions: readonly AnalyzedFunction[],
    /** The scopes of this transform's tree (the one `functions` are nodes of; a remembered `entry` may hold an earlier one). */
    readonly scopes: ModuleScopes,
  ) {
    this.version = options.graph.version;
    this.records.set(entry.path, Promise.resolve(entry));
    this.labels = new Labels(options.root);
    this.lookup = new NameLookup(
      {
        load: (file, trail) => this.load(file, trail),
        resolve: (specifier, importer) => this.resolve(specifier, importer),
      },
      this.labels,
    );
  }

  private get state(): GraphState {
    return this.options.graph;
  }

  private get stateContext(): StateContext {
    return { graph: this.options.graph, lookup: this.lookup };
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
        this.rootEdges[index] = edges.map((edge) => ({
          ...edge,
          key: this.options.track ? this.ensure(edge.target) : "",
        }));
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
        node.own = shortHash(`error ${record?.contentHash ?? key.replace(/^[a-z]+:/, "")}`);
        node.edges = [];
        node.state = [];
        node.spans = undefined;
        node.unknowable = record
          ? [
              {
                construct: "a helper module that could not be analyzed, so it counts by its whole content",
                file: record.path,
                line: 1,
                start: 0,
              },
            ]
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
        node.viewLayout = readsViewLayout(target.node);
        node.label = `${declarationLabel(target.node)} (${this.labels.relative(target.record.path)})`;
        if (target.node.loc)
          node.where = { file: this.labels.relative(target.record.path), line: target.node.loc.start.line };
        node.shown = info.own.slice(0, SHOWN);
        node.files.add(target.record.path);
        const globals = new Set<string>();
        const outer = target.scopes.outerScope(target.node);
        const edges = await this.lookup.edgesOf(target.record, outer, info.code, node.files, globals);
        if (!isLocal(target) && outer.isProgram && declaredClassName(target.node) !== undefined)
          node.classIn = target.record.path;
        if (!isLocal(target) && outer.isProgram) {
          node.own = await addModuleState(this.stateContext, node, target.record, target.node, edges, globals);
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
        node.own = shortHash("param");
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
        node.own = shortHash("one of");
        node.edges = target.targets.map((candidate, index) => [`candidate ${index}`, this.ensure(candidate)]);
        return;
      case "token":
        node.own = shortHash(target.token);
        node.label = target.label;
        node.shown = target.shown;
        if (target.unparseable !== undefined) {
          node.unknowable = [
            {
              construct: "a helper module that does not parse, so it counts by its whole content",
              file: target.unparseable,
              line: 1,
              start: 0,
            },
          ];
        }
        return;
    }
  }

  /** A module as a whole: each export by name, or (CommonJS) its whole code and what it requires. */
  private async expandNamespace(node: GraphNode, record: ModuleRecord): Promise<void> {
    node.label = `module (${this.labels.relative(record.path)})`;
    node.files.add(record.path);
    const table = exportTable(record);
    const edges: Array<[string, Target]> = [];
    if (table.esm) {
      const names = [...table.named.keys()].sort();
      node.own = shortHash(`namespace ${names.join(",")}\nstars ${table.stars.length}`);
      for (const name of names) edges.push([name, await this.lookup.findExport(record, name, new Set(), node.files)]);
      for (const source of table.stars)
        edges.push([`* ${source}`, await this.lookup.moduleTarget(record, source, node.files)]);
    } else {
      node.own = declarationInfo(record, record.ast!.program, record.scopes!).own;
      node.viewLayout = readsViewLayout(record.ast!.program);
      const state = moduleState(record);
      node.state = [...state.changing, ...state.inputs].map((name) => ({
        file: record.path,
        name,
        reads: [0, Number.MAX_SAFE_INTEGER],
      }));
      node.spans = { file: record.path, ranges: [[0, Number.MAX_SAFE_INTEGER]] };
      node.unknowable = state.unknowable
        .filter((found) => found.global === undefined)
        .map((found) => ({ ...found, file: record.path }));
      node.globalWrites = state.unknowable
        .filter((found) => found.global !== undefined)
        .map((found) => ({ ...found, file: record.path }));
      for (const source of moduleSources(record.ast!.program)) {
        edges.push([`require ${source}`, await this.lookup.moduleTarget(record, source, node.files)]);
      }
    }
    node.shown = node.own.slice(0, SHOWN);
    node.edges = edges.map(([name, target]) => [name, this.ensure(target)]);
  }
}
