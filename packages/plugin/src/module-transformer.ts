import type { ModuleGraph, ModuleGraphStats, TransformResult } from "@cachephant/core";
import { stripQuery } from "@cachephant/core/scan";
import { bareTransform, BuildCache } from "./build-cache.js";
import { BuiltRecorder } from "./built-record.js";
import { loadCore } from "./core.js";
import { FileContents } from "./file-contents.js";
import { ModuleDependents } from "./module-dependents.js";
import { OutsideLog, type OutsideStamp } from "./outside-log.js";
import { ResolutionFingerprint } from "./resolution/index.js";
import type { Resolve } from "./resolver.js";
import { toolVersions } from "./tool-versions.js";
import { outputOfCached, outputOfResult, type TransformOutput } from "./transform-output.js";

/** Transform results remembered across builds, under the project root. */
export const BUILD_CACHE_DIR = "node_modules/.cache/cachephant-build";

export interface ModuleTransformerOptions {
  root: string;
  runtimeModule: string;
  dir: string | undefined;
  maxSize: string | number | undefined;
  /** Where transform results are remembered across builds; false for none. */
  cacheDir: string | false;
}

export interface ModuleTransformerStats extends ModuleGraphStats {
  /** Modules whose result came from the build cache. */
  cacheHits: number;
  /** Modules the core transformed. */
  transforms: number;
}

/**
 * The plugin's view of the core for one plugin instance: one module graph
 * that lives as long as the instance (told about changed files through the
 * bundler's change hook, so it re-reads nothing per transform), in front of
 * it a cache of transform results remembered across builds.
 */
export class ModuleTransformer {
  /** The files results depend on, read once until they change. */
  readonly files = new FileContents();
  /** What each module's last output relied on: which modules a change makes stale. */
  readonly dependents: ModuleDependents;
  /** Transforms the plan made at build start this build, by id and code (null: nothing to rewrite). */
  private readonly planned = new Map<string, TransformResult | null>();
  /** The project's code files, from the plugin's scan (undefined without one: exported data then counts as changing). */
  private project: Set<string> | undefined;
  /** Created with the first analysis (see `core.ts`): a build served from the build cache has none. */
  private graph: ModuleGraph | undefined;
  private readonly cache: BuildCache | undefined;
  private readonly outside: OutsideLog;
  private readonly fingerprint: ResolutionFingerprint;
  /** The build's resolution fingerprint (see `useResolution`); undefined before the first. */
  private resolutionNow: string | undefined;
  private hits = 0;
  private transforms = 0;
  private readonly built: BuiltRecorder;

  constructor(private readonly options: ModuleTransformerOptions) {
    const { cacheDir, root, runtimeModule, dir, maxSize } = options;
    this.cache =
      cacheDir === false
        ? undefined
        : new BuildCache(cacheDir, JSON.stringify([toolVersions(), root, runtimeModule, dir, maxSize]), root);
    this.outside = new OutsideLog({
      read: () => this.readExtra("outside"),
      write: (value) => this.writeExtra("outside", value),
    });
    this.dependents = new ModuleDependents(this.outside);
    this.fingerprint = new ResolutionFingerprint({
      read: () => this.readExtra("resolution"),
      write: (value) => this.writeExtra("resolution", value),
    });
    this.built = new BuiltRecorder(root);
  }

  /** A module without a directive (any more): the record of its latest build has no function. */
  noDirective(file: string): void {
    this.built.record(file, []);
  }

  /**
   * Computes what decides where this build's imports resolve (see
   * `resolution/`: the bundler's resolve settings, tsconfig files, the
   * project's package.json `imports`, the lockfile) and keys remembered
   * results and the plan by it. Once per build, before the plan; again when
   * the bundler's settings may have changed since. A change from the
   * previous build of this instance forgets everything it analysed.
   * Returns whether it changed.
   */
  useResolution(root: string, settings: unknown, tsconfigs: Iterable<string> = []): boolean {
    const fingerprint = this.fingerprint.compute(root, settings, tsconfigs);
    const changed = this.resolutionNow !== undefined && this.resolutionNow !== fingerprint;
    if (changed) this.invalidate();
    this.resolutionNow = fingerprint;
    if (this.cache) this.cache.resolution = fingerprint;
    return changed;
  }

  /** The fingerprint `useResolution` computed last ("" before any). */
  get resolution(): string {
    return this.resolutionNow ?? "";
  }

  /**
   * The project's code files now, and those created or changed since the
   * last build (`compared`: false when there was no earlier scan to compare
   * with): remembered results whose outside check they may change are not
   * reused.
   */
  projectScanned(signatures: ReadonlyMap<string, string>, changed: Iterable<string>, compared: boolean): void {
    this.project = new Set(signatures.keys());
    this.files.knowSignatures(signatures);
    this.outside.note(changed, compared);
  }

  /** A file created, changed or deleted while watching (after `invalidate`). */
  projectChanged(file: string, exists: boolean): void {
    if (!this.project) return;
    if (exists) this.project.add(file);
    else this.project.delete(file);
    this.outside.note([file]);
  }

  /** Stamps a result that relied on the outside check of these names (see `outside-log.ts`). */
  outsideStamp(names: readonly string[]): OutsideStamp | undefined {
    return names.length > 0 ? this.outside.stamp(names) : undefined;
  }

  outsideHolds(stamp: OutsideStamp | undefined): boolean {
    return this.outside.holds(stamp);
  }

  /** The project's code and component files, from the last scan (none without one). */
  projectFiles(): Iterable<string> {
    return this.project ?? [];
  }

  get stats(): ModuleTransformerStats {
    const graph = this.graph?.stats ?? { reads: 0, parses: 0, resolutions: 0, expansions: 0 };
    return { ...graph, cacheHits: this.hits, transforms: this.transforms };
  }

  /** A build that will not be told about changes (no watcher): trust nothing read before. */
  reset(): void {
    this.planned.clear();
    this.graph = undefined;
    this.stateFiles.clear();
    this.registeredAhead.clear();
    this.files.forget();
  }

  /** A file changed, was created or deleted (no file: anything may have). */
  invalidate(file?: string): void {
    this.graph?.invalidate(file);
    this.planned.clear();
    this.files.forget(file);
  }

  /** A side file in the build cache folder (undefined without a cache, or when missing). */
  readExtra(name: string): unknown {
    return this.cache?.readExtra(name);
  }

  writeExtra(name: string, value: unknown): void {
    this.cache?.writeExtra(name, value);
  }

  /** At the end of a build: bounds the cache. */
  finish(): void {
    this.cache?.evict();
  }

  /**
   * Modules whose changing bindings cached functions read (from the plan at
   * build start, and from each transform): they get a registration too.
   */
  readonly stateFiles = new Set<string>();

  /**
   * The state modules the plan found at build start, before any module
   * loaded: the bundler rewrites every one of them with its registration
   * (the register hook, which learns state modules as it goes, has none). A
   * cached function whose state lives only there says so in its meta, and
   * the runtime takes such a module that has not registered as one that has
   * not run yet (`stateAhead`).
   */
  readonly registeredAhead = new Set<string>();

  /** The build's module graph, shared with the plan at build start (the core loads with the first). */
  async moduleGraph(): Promise<ModuleGraph> {
    const { createModuleGraph } = await loadCore();
    // The graph reads files through `FileContents`: the hash a cache entry
    // records is then of the very bytes the core analysed, and each file is
    // read once per build.
    return (this.graph ??= createModuleGraph({
      revalidate: false,
      readFile: (file) => Promise.resolve(this.files.get(file).bytes),
      projectFiles: () => this.project,
    }));
  }

  /** The bare specifiers the graph resolved so far (see `ModuleGraph.bareResolutions`); none before any analysis. */
  async bareResolutions(): ReturnType<ModuleGraph["bareResolutions"]> {
    return this.graph ? this.graph.bareResolutions() : [];
  }

  /** The transform options the plan at build start must use for its results to be reusable. */
  get transformOptions(): { runtimeModule: string; dir: string | undefined; maxSize: string | number | undefined } {
    const { runtimeModule, dir, maxSize } = this.options;
    return { runtimeModule, dir, maxSize };
  }

  /**
   * A transform the plan at build start made of a module, with this build's
   * graph and resolver: the bundler's own transform of the same code reuses
   * it instead of analysing the module again (unless the module turned out
   * to be a state file, whose output differs). It is remembered across
   * builds too.
   */
  remember(code: string, id: string, result: TransformResult | null): void {
    const file = stripQuery(id);
    if (this.stateFiles.has(file)) return;
    // Made before the plan knew every state module: its `stateAhead` may be missing.
    if (result && result.stateFiles.length > 0) return;
    // Written to the build cache only when used (esbuild's check may drop it first).
    this.planned.set(`${id}\0${code}`, result);
  }

  /** Forgets the plan's transforms (they resolved imports differently from the bundler). */
  forgetPlanned(): void {
    this.planned.clear();
  }

  async transform(code: string, id: string, resolve: Resolve | undefined): Promise<TransformOutput | null> {
    const file = stripQuery(id);
    // A state module's output has its registration: not the same entry.
    // With state modules registered ahead, outputs may say so (`stateAhead`): not the same entry either.
    const key = this.cache?.key(
      `${id}${this.stateFiles.has(file) ? "\0state" : ""}${this.registeredAhead.size > 0 ? "\0ahead" : ""}`,
      code,
    );
    if (!this.stateFiles.has(file)) {
      const planned = this.planned.get(`${id}\0${code}`);
      if (planned !== undefined) {
        this.planned.delete(`${id}\0${code}`);
        return planned ? this.store(key, id, code, planned) : this.storeNothing(key, file);
      }
    }
    if (key !== undefined) {
      const hit = this.cache!.get(key, (check) => this.files.holds(check));
      // An output that said `stateAhead` holds only while each of its state modules is still registered ahead.
      if (
        hit &&
        this.outside.holds(hit.outside) &&
        (this.registeredAhead.size === 0 || hit.stateFiles.every((stateFile) => this.registeredAhead.has(stateFile)))
      ) {
        this.hits++;
        this.built.record(file, hit.functions);
        if (hit.code === null) return null;
        this.dependents.note(id, hit.outside, hit.dependencies);
        for (const stateFile of hit.stateFiles) this.stateFiles.add(stateFile);
        return outputOfCached({ ...hit, code: hit.code });
      }
    }
    this.transforms++;
    const { root, runtimeModule, dir, maxSize } = this.options;
    const { transform } = await loadCore();
    const graph = await this.moduleGraph();
    const result = await transform(code, id, {
      root,
      runtimeModule,
      dir,
      maxSize,
      resolve,
      graph,
      stateFiles: this.stateFiles,
      registeredAhead: this.registeredAhead,
    });
    return result ? this.store(key, id, code, result) : this.storeNothing(key, file);
  }

  /**
   * Remembers that a module has nothing to rewrite (text that only looks
   * like a directive), so that a rebuild need not load the core for it.
   * That depends on the code alone, which the key covers; not so for a
   * state module, whose registration depends on the modules around it.
   */
  private storeNothing(key: string | undefined, file: string): null {
    this.built.record(file, []);
    if (key !== undefined && !this.stateFiles.has(file)) this.cache!.set(key, bareTransform(null));
    return null;
  }

  /** A core result as the plugin returns it, remembered under `key` across builds. */
  private store(key: string | undefined, id: string, code: string, result: TransformResult): TransformOutput {
    for (const stateFile of result.stateFiles) this.stateFiles.add(stateFile);
    const outside = result.outsideNames.length > 0 ? this.outside.stamp(result.outsideNames) : undefined;
    this.dependents.note(id, outside, result.dependencies);
    const output = outputOfResult(result);
    this.built.record(stripQuery(id), output.functions);
    if (key !== undefined) {
      this.cache!.set(key, {
        ...output,
        checks: this.files.checksFor(stripQuery(id), code, result.dependencies),
        ...(outside ? { outside } : {}),
      });
    }
    return output;
  }
}
