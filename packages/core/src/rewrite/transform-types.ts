/**
 * What `transform` takes and returns: its options, and per cached function the
 * facts a plugin and `cachephant explain` use.
 */
import type { SourceMap } from "magic-string";
import type { CachephantWarning } from "../diagnostics/index.js";
import type { ModuleGraph, ReachedNode, VariableSite } from "../key/index.js";
import type { Resolver } from "../modules/index.js";

export interface TransformOptions {
  /** Project root: the meta `file` is the id relative to it. Default: `process.cwd()`. */
  root?: string;
  /** Where the rewritten code imports `runCached` from. Default: `"@cachephant/runtime"`. */
  runtimeModule?: string;
  /** The plugin's `dir` option, copied into every meta object when given. */
  dir?: string;
  /** The plugin's `maxSize` option, copied into every meta object when given. */
  maxSize?: string | number;
  /**
   * The bundler's resolver: `(specifier, importer) => absolute path`, or
   * null/undefined when it cannot resolve the specifier (or it is virtual).
   * Without it, or when it returns null for a relative specifier, paths are
   * resolved Node-style with TypeScript's extensions (`./x.js` → `./x.ts`,
   * `./x` → `./x.ts`, ..., `./dir` → `./dir/index.*`) and bare names are
   * looked up in the `node_modules` folders above the importer.
   */
  resolve?: Resolver;
  /**
   * The build's cache of parsed helper modules (`createModuleGraph()`, once
   * per build): each helper is then parsed once per content, not once per
   * module that imports it. Without it, the transform uses a private one.
   */
  graph?: ModuleGraph;
  /**
   * Whether hashes cover what each function reaches (helpers, imported
   * modules, packages). Default true. `false` hashes the function's own code
   * only and resolves nothing: for benchmarks and debugging, since a result
   * would then be reused after a helper changes.
   */
  trackDependencies?: boolean;
  /**
   * Absolute paths of modules whose changing bindings or classes cached
   * functions reach (`plan.stateFiles` from `planBuild`, or the union of
   * earlier results' `stateFiles`): such a module, even without a directive,
   * gets a small registration that hands the runtime their current values
   * and its named top-level classes.
   */
  stateFiles?: ReadonlySet<string>;
  /**
   * Absolute paths of the modules the caller rewrites with their
   * registration before any of them runs (a plan made before any module
   * loaded). A function whose state all lives in such modules (or in its own,
   * which registers first thing)
   * says so in its meta (`stateAhead`): the runtime then takes a module that
   * has not registered as one that has not run yet, whose bindings hold their
   * initial values (in the hash), instead of running the call uncached.
   */
  registeredAhead?: ReadonlySet<string>;
}

/** One function the transform wrapped. */
export interface CachedFunctionInfo {
  /** As in the meta object: `load`, `Api.fetch`, `default`. */
  name: string;
  /** Hash of the function's normalized code and of everything it reaches. */
  hash: string;
  /** 1-based line of the function's start. */
  line: number;
  /** 0-based column of the function's start. */
  column: number;
  /** The outside variables keyed by value at call time, as in the meta `scope` (after `ignore`). */
  scope: string[];
  /**
   * Module data proven never to change after load, keyed once per process:
   * names of `scope` (the meta's `unchangingScope`) and `file#name` of `state`
   * (`unchangingState`).
   */
  unchanging: string[];
  /** What the hash is made of, as in the meta `deps`: `[label, own hash]`, `["own code", ...]` first. */
  deps: Array<[string, string]>;
  /** Module bindings that change after load, keyed by value at call time: `[file relative to the root, name]`. */
  state: Array<[string, string]>;
  /** What the key covers as a person reads it (`cachephant explain`). */
  explain: FunctionExplain;
}

/** What a cached function's key covers, with where each part is. */
export interface FunctionExplain {
  /** What it reaches (helpers, variables hashed by code, packages, built-ins, files), as a tree. */
  reaches: ReachedNode[];
  /** Outside variables keyed by value at call time (`scope`, after `ignore`), with where they are declared. */
  scope: VariableSite[];
  /** Changing module bindings keyed by value at call time (`state`), with where they are declared. */
  state: VariableSite[];
  /** The key's values: each parameter binding after defaults and destructuring, where it comes from in the call, its own default as written, and whether `ignore` leaves it out. */
  params: Array<{ name: string; path: string; default?: string; ignored: boolean }>;
  /** Outside variables `ignore` leaves out of the key. */
  ignoredVariables: string[];
  /** `ttl=` in seconds, when given. */
  ttl?: number;
  /** False with `inputs=off`: run-time inputs (env, files) are not recorded. */
  inputs: boolean;
  /** Of `scope` (names) and `state` (`file#name`): data proven never to change after load, keyed once per process. */
  keyedOnce?: string[];
  /** Typed array views key by their whole buffer and place: code it reaches may read a view's `buffer` or `byteOffset`. */
  viewBuffers?: boolean;
}

export interface TransformResult {
  code: string;
  map: SourceMap;
  /** The wrapped functions, in source order. */
  functions: CachedFunctionInfo[];
  /**
   * Absolute paths of the other project files the hashes depend on (helper
   * modules, imported data files), for the bundler's watch mode: a change of
   * one of them must transform this module again.
   */
  dependencies: string[];
  /**
   * Absolute paths of the other modules whose changing bindings these
   * functions read, or whose top-level classes they reach: each registers
   * them itself, so the build must rewrite them too (pass them in
   * `stateFiles`), or calls run uncached with a warning (state), or results
   * holding such instances are not stored, with a warning (classes).
   */
  stateFiles: string[];
  /**
   * Names searched in the project (`ModuleGraphOptions.projectFiles`) to
   * tell whether data these functions reach is mutated by another module:
   * a result remembered across builds holds only while no project file
   * starts naming one of them (or holds a whole module object).
   */
  outsideNames: string[];
  /**
   * Build warnings for the bundler to show (`this.warn`): a near-miss
   * directive such as `"use cahce"`, and what the build cannot know about
   * these functions (`eval`, a helper that cannot be analysed), one per
   * construct. A module whose only finding is a warning comes back
   * unchanged, with no functions.
   */
  warnings: CachephantWarning[];
}
