/**
 * What the build step tells the runtime about one cached function. The
 * rewritten code passes this object literal on every call (it is never stored
 * in a module-level binding, so a hoisted function called before its module
 * has finished evaluating still works).
 */
export interface CachedFunctionMeta {
  /**
   * Hash of the function's normalized code (and, later, of everything it can
   * see), from `@cachephant/core`. Two builds of the same code give the same
   * hash; any change of behavior gives another.
   */
  readonly hash: string;
  /** The function's name as the user knows it (`loadReport`, `Api.fetch`). */
  readonly name: string;
  /** File of the function, relative to the project root at build time. */
  readonly file: string;
  /** 1-based line of the function in `file`. */
  readonly line: number;
  /**
   * Where each value of the `values` array comes from, in the caller's terms,
   * for warnings: `args[0]`, `args[1].logger`, `args[2][0]`, `args[3...]`.
   */
  readonly paths: readonly string[];
  /**
   * Names of the outside variables the function reads (closure variables,
   * module variables, values imported from project modules), in the order
   * the call's `scope()` returns their values. Keyed by value at call time.
   */
  readonly scope?: readonly string[];
  /**
   * Module bindings that change after load which the function reaches
   * through any helper: `[file, name]`, read from the values the modules
   * registered (`registerState`) and keyed by value at call time.
   */
  readonly state?: ReadonlyArray<readonly [string, string]>;
  /**
   * What the code hash is made of, for debug lines after a code change: a
   * JSON array of `[label, hash]` pairs, the function's own code first
   * (`["own code", "…"]`), then each declaration, module or package it
   * reaches (`["helper tax (src/tax.ts)", "…"]`, `["package lodash", "4.17.21"]`).
   * A string literal, so a call allocates nothing for it; parsed only when
   * debugging.
   */
  readonly deps?: string;
  /** Indices into `values` left out of the key (`ignore=` in the directive). */
  readonly ignore?: readonly number[];
  /** Time to live in milliseconds (`ttl=` in the directive). */
  readonly ttl?: number;
  /**
   * `false` when the directive says `inputs=off` (or `cached(fn, { inputs:
   * false })`): the run-time inputs of its calls (env, argv, cwd, files,
   * directories) are neither recorded nor checked.
   */
  readonly inputs?: false;
  /** The plugin's `dir` option, relative to the project root at run time. */
  readonly dir?: string;
  /** The plugin's `maxSize` option, as the user wrote it (`"2GB"`) or bytes. */
  readonly maxSize?: string | number;
}
