/**
 * The build's cache of modules (read, parsed and resolved once per content)
 * and of the dependency graph's nodes computed from them.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type * as t from "@babel/types";
import { ErrorReporter, isCachephantError } from "../diagnostics/index.js";
import {
  assetRecord,
  builtinName,
  CODE_FILE,
  FileSystemCache,
  isPathSpecifier,
  moduleRecord,
  type ModuleRecord,
  type Resolution,
  type Resolver,
  resolveSpecifier,
  unparseableRecord,
} from "../modules/index.js";
import { ProjectIndex } from "../state/index.js";
import { parseFile, sha256 } from "../syntax/index.js";
import type { GraphNode } from "./graph-node.js";

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
   * (`state/outside-mutation.ts`). Without it (or while it returns undefined), exported
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
      // catch-all: the bundler's own reader may throw anything for a file it cannot give; the file counts as missing.
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
    } catch (error) {
      if (!isCachephantError(error)) throw error;
      return unparseableRecord(file, content);
    }
  }
}

/** A graph for the caller that passes none: one transform's worth of caching. */
export function createModuleGraph(options: ModuleGraphOptions = {}): ModuleGraph {
  return new ModuleGraph(options);
}
