import { readFileSync } from "node:fs";
import path from "node:path";
import * as t from "@babel/types";
import { exportName, sha256 } from "./ast.js";
import { ErrorReporter } from "./errors.js";
import { normalizeDeclaration, type NormalizedCode } from "./normalize.js";
import { ProjectIndex } from "./outside.js";
import { parseFile } from "./parse.js";
import { type Binding, type ModuleScopes, scopesOf } from "./scope.js";
import type { UnknowableConstruct } from "./state.js";
import { builtinName, FileSystemCache, isPathSpecifier, resolveSpecifier, type Resolution, type Resolver } from "./resolve.js";


/** Files parsed as JavaScript or TypeScript; any other file a project imports is hashed by its bytes. */
export const CODE_FILE = /\.(?:[cm]?[jt]sx?)$/i;

export interface ModuleGraphOptions {
  /**
   * Whether each transform re-reads the files it reaches (a cheap
   * synchronous read each) to see whether they changed since the graph
   * parsed them; a changed file is parsed again and what was computed from it
   * is forgotten. Default true: safe when the graph lives across file changes
   * (a dev server). `false` trusts each file for the graph's lifetime (a
   * one-shot build, or a watcher that calls `invalidate(file)` on every
   * change), which saves those reads.
   */
  revalidate?: boolean;
  /**
   * Reads a helper file; default `fs.readFileSync`. Returning null means
   * the file does not exist (the import is then unresolved).
   */
  readFile?: (file: string) => Promise<Uint8Array | string | null>;
  /**
   * The project's code files (absolute paths; the plugin's scan): lets the
   * build tell whether another module mutates data a module exports
   * (`outside.ts`). Without it (or while it returns undefined), exported
   * data counts as changing.
   */
  projectFiles?: () => Iterable<string> | undefined;
}

/** Counters for tests and benchmarks. */
export interface ModuleGraphStats {
  /** Files read (with `revalidate`, each transform reads each file it reaches once, to see whether it changed). */
  reads: number;
  /** Modules parsed (once per path and content). */
  parses: number;
  /** Specifiers resolved (once per importer and specifier). */
  resolutions: number;
  /** Declarations and modules analyzed (once per graph, until a file changes). */
  expansions: number;
}

/** One export of a module, before following it. */
export type ExportEntry =
  /** A binding of the module (`export function f`, `export { a as b }`, `export default name`). */
  | { kind: "local"; name: string }
  /** `export default <anonymous function, class or expression>`: statement `index` of the program. */
  | { kind: "node"; index: number }
  /** `export { x as y } from "./m"`, `export * as ns from "./m"` (`imported: "*"`). */
  | { kind: "reexport"; source: string; imported: string };

export interface ExportTable {
  named: Map<string, ExportEntry>;
  /** Sources of `export * from "..."`, in order. */
  stars: string[];
  /** Whether the module has any ESM export syntax (else a CommonJS module, taken as a whole). */
  esm: boolean;
}

/** A declaration as the key sees it: its normalized code and own hash, computed once per module content. */
export interface DeclarationInfo {
  code: NormalizedCode;
  /** sha256 of the normalized code: the declaration's own hash, without what it reaches. */
  own: string;
}

/** A file the graph has read: a parsed module, another kind of file, or one that does not parse. */
export interface ModuleRecord {
  /** Absolute path. */
  path: string;
  kind: "module" | "asset" | "unparseable";
  /** sha256 of the file's bytes. */
  contentHash: string;
  /** The parsed file (kind `module`). */
  ast: t.File | undefined;
  /**
   * The module's scopes (kind `module`), found on first use: a module only
   * searched for its exports (a barrel) is never walked.
   */
  readonly scopes: ModuleScopes | undefined;
  /** Filled on first use. */
  exportTable?: ExportTable;
  /** By node: a transform of the module itself brings its own syntax tree of the same content. */
  readonly declarations: WeakMap<t.Node, DeclarationInfo>;
}

interface CachedModule {
  content: string;
  record: ModuleRecord;
}


/**
 * A per-build cache of what cached functions reach: each helper module is
 * parsed once per content (not once per module that imports it), each
 * specifier resolved once per importer, each `package.json` read once, and
 * each module-level declaration analyzed and hashed once, until a file
 * changes. Create one per build (the plugin's `buildStart`) and pass it to
 * every `transform` of that build. By default each transform re-reads the
 * files it reaches and notices changes by their content; with
 * `revalidate: false`, call `invalidate(file)` when the bundler's watcher
 * reports a change.
 */
export class ModuleGraph {
  readonly stats: ModuleGraphStats = { reads: 0, parses: 0, resolutions: 0, expansions: 0 };
  private readonly state: GraphState;

  constructor(options: ModuleGraphOptions = {}) {
    this.state = new GraphState(this.stats, options.readFile, options.revalidate !== false, options.projectFiles);
  }

  /**
   * Tells the graph a file changed, was created or deleted (or, without a
   * file, that anything may have): it is read again when a transform reaches
   * it (and parsed again only if its content changed), and every cached
   * resolution, file lookup, `package.json` and computed hash is forgotten.
   */
  invalidate(file?: string): void {
    this.state.invalidate(file);
  }

  /**
   * The bare specifiers (not relative, not built-ins) resolved so far, and
   * the project file each resolved to (null: a package, or unresolved): a
   * caller that resolved without the bundler's resolver (esbuild's plugin
   * setup, where it cannot be called) checks them against it later.
   */
  async bareResolutions(): Promise<Array<{ specifier: string; importer: string; file: string | null }>> {
    return this.state.bareResolutions();
  }
}

/** The graph's caches, for the transform (not part of the public API). */
export function graphState(graph: ModuleGraph): GraphState {
  return graph["state"];
}

/** A module-level binding whose value changes after load, in an absolute file. */
export interface StateBinding {
  file: string;
  name: string;
  /** Its declaration refers to packages only (`new Client(…)` of a package): a package's object (`madeByPackage`). */
  package?: boolean;
}

/** A changing binding a node declares, with the offsets of its module's references that read it. */
export interface DeclaredState extends StateBinding {
  reads: readonly number[];
}

/**
 * A node of the dependency graph (see deps.ts): a declaration, a module
 * namespace, a file, a package or other token, with what its code refers to.
 */
export interface GraphNode {
  key: string;
  /** sha256 of the node's own content (its normalized code, a version, a token). */
  own: string;
  /** `[name, target key]`: what the node's code refers to by that name. */
  edges: Array<[string, string]>;
  /** How `deps` lists it; undefined for nodes not listed (parameters). */
  label: string | undefined;
  /** The hash `deps` shows for it (a short own hash, a version). */
  shown: string;
  /** The project files its edges were read from (re-export chains included). */
  files: Set<string>;
  /** Closure variables of enclosing functions its code reads (local nodes only). */
  closures: Array<{ name: string; binding: Binding }>;
  /** Module-level bindings it declares that change after load: counted by value at call time. */
  state: DeclaredState[];
  /** Names searched in the project to tell whether its exported data is mutated elsewhere (`outside.ts`). */
  outside?: string[];
  /** Module-level code: its file and the spans of its code (declaration and load-time statements). */
  spans?: { file: string; ranges: Array<[number, number]> };
  /** `eval`, `new Function`, computed namespace access in its code or its load-time statements. */
  unknowable: Array<UnknowableConstruct & { file: string }>;
  /** Globals its code reads. */
  globals: string[];
  /** Globals its module writes. */
  globalWrites: Array<UnknowableConstruct & { file: string }>;
  /** Where a declaration is (file relative to the root, 1-based line), for `cachephant explain`. */
  where?: { file: string; line: number };
  /** Resolves when `own`, `edges` and the rest are filled in. */
  ready: Promise<void>;
}

export class GraphState {
  readonly files = new FileSystemCache();
  /**
   * Nodes of module-level code, shared by every transform, and their hashes:
   * content-based, so valid until a file changes (`version`).
   */
  readonly nodes = new Map<string, GraphNode>();
  readonly hashes = new Map<string, string>();
  /** Bumped whenever a file the graph parsed changed: everything computed before is forgotten. */
  version = 0;
  private readonly modules = new Map<string, CachedModule>();
  /** Files to read again on their next use (trusting mode). */
  private readonly stale = new Set<string>();
  private readonly resolutions = new Map<string, Promise<Resolution>>();
  private readonly loading = new Map<string, Promise<ModuleRecord | null>>();

  constructor(
    readonly stats: ModuleGraphStats,
    private readonly readFileOption: ModuleGraphOptions["readFile"],
    readonly revalidate: boolean,
    projectFiles?: () => Iterable<string> | undefined,
  ) {
    this.project = projectFiles ? new ProjectIndex(projectFiles) : undefined;
  }

  /** Project-wide facts for the outside check; undefined without a view of the project. */
  readonly project: ProjectIndex | undefined;

  private changed(): void {
    this.version++;
    this.nodes.clear();
    this.hashes.clear();
  }

  invalidate(file?: string): void {
    if (file === undefined) for (const known of this.modules.keys()) this.stale.add(known);
    else this.stale.add(path.normalize(file));
    this.project?.invalidate(file === undefined ? undefined : path.normalize(file));
    this.resolutions.clear();
    this.files.clear();
    this.changed();
  }

  async bareResolutions(): Promise<Array<{ specifier: string; importer: string; file: string | null }>> {
    const found: Array<{ specifier: string; importer: string; file: string | null }> = [];
    for (const [key, resolution] of this.resolutions) {
      const [importer, specifier] = key.split("\0") as [string, string];
      if (isPathSpecifier(specifier) || builtinName(specifier) !== undefined) continue;
      const resolved = await resolution;
      found.push({ specifier, importer, file: resolved.kind === "file" ? resolved.path : null });
    }
    return found;
  }

  /** Resolves once per importer and specifier. */
  resolve(specifier: string, importer: string, resolver: Resolver | undefined): Promise<Resolution> {
    const key = `${importer}\0${specifier}`;
    let found = this.resolutions.get(key);
    if (!found) {
      this.stats.resolutions++;
      found = resolveSpecifier(specifier, importer, resolver, this.files);
      this.resolutions.set(key, found);
    }
    return found;
  }

  /**
   * A file's record; null when it cannot be read. `reread` (or a file marked
   * stale, or never read) reads the file and parses it only when its content
   * is new. Concurrent transforms share a read in progress.
   */
  load(file: string, reread: boolean): Promise<ModuleRecord | null> {
    const cached = this.modules.get(file);
    if (cached && !reread && !this.stale.has(file)) return Promise.resolve(cached.record);
    let loading = this.loading.get(file);
    if (!loading) {
      loading = this.read(file).finally(() => this.loading.delete(file));
      this.loading.set(file, loading);
    }
    return loading;
  }

  private async read(file: string): Promise<ModuleRecord | null> {
    this.stats.reads++;
    this.stale.delete(file);
    let data: Uint8Array | string | null;
    try {
      // Sync on purpose: ~10x cheaper than fs.promises for the small files of a project.
      data = this.readFileOption ? await this.readFileOption(file) : readFileSync(file);
    } catch {
      data = null;
    }
    const cached = this.modules.get(file);
    if (data === null) {
      if (cached) {
        this.modules.delete(file);
        this.changed();
      }
      return null;
    }
    const isCode = CODE_FILE.test(file);
    // Code is kept as text (to parse); any other file only by the hash of its bytes.
    const content = isCode ? (typeof data === "string" ? data : Buffer.from(data).toString("utf8")) : sha256(data);
    if (cached && cached.content === content) return cached.record;
    const record = isCode ? this.parse(file, content) : assetRecord(file, content);
    this.modules.set(file, { content, record });
    if (cached) {
      this.changed();
      this.project?.invalidate(file);
    }
    return record;
  }

  /**
   * The module being transformed, parsed by the transform itself. When the
   * graph already has this content, its record is kept (with what was
   * computed from it); new content replaces it.
   */
  register(file: string, content: string, ast: t.File): ModuleRecord {
    const cached = this.modules.get(file);
    this.stale.delete(file);
    if (cached && cached.content === content && cached.record.kind === "module") return cached.record;
    const record = moduleRecord(file, content, ast);
    this.modules.set(file, { content, record });
    if (cached) {
      this.changed();
      this.project?.invalidate(file);
    }
    return record;
  }

  private parse(file: string, content: string): ModuleRecord {
    this.stats.parses++;
    try {
      const { ast } = parseFile(content, file, new ErrorReporter(content, file));
      return moduleRecord(file, content, ast);
    } catch {
      return { path: file, kind: "unparseable", contentHash: sha256(content), ast: undefined, scopes: undefined, declarations: new WeakMap() };
    }
  }
}

function moduleRecord(file: string, content: string, ast: t.File): ModuleRecord {
  return {
    path: file,
    kind: "module",
    contentHash: sha256(content),
    ast,
    get scopes() {
      return scopesOf(ast);
    },
    declarations: new WeakMap(),
  };
}

function assetRecord(file: string, contentHash: string): ModuleRecord {
  return { path: file, kind: "asset", contentHash, ast: undefined, scopes: undefined, declarations: new WeakMap() };
}

/** A graph for the caller that passes none: one transform's worth of caching. */
export function createModuleGraph(options: ModuleGraphOptions = {}): ModuleGraph {
  return new ModuleGraph(options);
}

/**
 * The normalized code and own hash of a declaration (a node of the tree
 * `scopes` was found in), computed once per module content.
 */
export function declarationInfo(record: ModuleRecord, declaration: t.Node, scopes: ModuleScopes): DeclarationInfo {
  let info = record.declarations.get(declaration);
  if (!info) {
    const code = normalizeDeclaration(declaration, scopes);
    info = { code, own: sha256(`declaration ${code.text}`).slice(0, 32) };
    record.declarations.set(declaration, info);
  }
  return info;
}

// `export default interface X {}` and overloads: nothing at run time.
const TYPE_ONLY_DEFAULT = new Set(["TSInterfaceDeclaration", "TSDeclareFunction"]);

/** The module's exports, read once from its syntax (no scopes needed). Type-only exports are left out. */
export function exportTable(record: ModuleRecord): ExportTable {
  if (record.exportTable) return record.exportTable;
  const table: ExportTable = { named: new Map(), stars: [], esm: false };
  record.ast?.program.body.forEach((statement, index) => {
    if (statement.type === "ExportAllDeclaration") {
      table.esm = true;
      if (statement.exportKind !== "type") table.stars.push(statement.source.value);
    } else if (statement.type === "ExportNamedDeclaration") {
      table.esm = true;
      if (statement.exportKind === "type") return;
      const source = statement.source?.value;
      const declaration = statement.declaration;
      if (declaration && !(declaration as { declare?: boolean }).declare) {
        for (const name of declaredNames(declaration)) table.named.set(name, { kind: "local", name });
      }
      for (const specifier of statement.specifiers) {
        if (specifier.type === "ExportSpecifier" && specifier.exportKind === "type") continue;
        const exported = specifier.type === "ExportDefaultSpecifier" ? "default" : exportName(specifier.exported);
        if (specifier.type === "ExportNamespaceSpecifier") {
          if (source !== undefined) table.named.set(exported, { kind: "reexport", source, imported: "*" });
        } else if (specifier.type === "ExportDefaultSpecifier") {
          if (source !== undefined) table.named.set(exported, { kind: "reexport", source, imported: "default" });
        } else if (source !== undefined) {
          table.named.set(exported, { kind: "reexport", source, imported: exportName(specifier.local) });
        } else {
          table.named.set(exported, { kind: "local", name: exportName(specifier.local) });
        }
      }
    } else if (statement.type === "ExportDefaultDeclaration") {
      table.esm = true;
      const node = statement.declaration;
      if (node.type === "Identifier") table.named.set("default", { kind: "local", name: node.name });
      else if ((node.type === "FunctionDeclaration" || node.type === "ClassDeclaration") && node.id) {
        table.named.set("default", { kind: "local", name: node.id.name });
      } else if (!TYPE_ONLY_DEFAULT.has(node.type as string)) {
        table.named.set("default", { kind: "node", index });
      }
    }
  });
  record.exportTable = table;
  return table;
}

/** The expression of `export default <expression>` (statement `index`). */
export function exportedNode(record: ModuleRecord, index: number): t.Node {
  return (record.ast!.program.body[index] as t.ExportDefaultDeclaration).declaration;
}


/** Names a declaration statement binds at run time. */
function declaredNames(declaration: t.Declaration): string[] {
  switch (declaration.type) {
    case "FunctionDeclaration":
    case "ClassDeclaration":
    case "TSEnumDeclaration":
      return declaration.id ? [declaration.id.name] : [];
    case "TSModuleDeclaration":
      return declaration.id.type === "Identifier" ? [declaration.id.name] : [];
    case "VariableDeclaration":
      return declaration.declarations.flatMap((declarator) => Object.keys(t.getBindingIdentifiers(declarator.id)));
    default:
      return []; // interfaces, type aliases, declare ...
  }
}
