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
   * Indices into `scope` of closure variables of an enclosing function
   * (values made at run time, such as a factory's parameters) or imports the
   * build could not resolve, as opposed to module bindings whose code is in
   * the hash: a function among their values counts by its source, and one
   * that closes over other variables makes the call unkeyable.
   */
  readonly closures?: readonly number[];
  /**
   * Module bindings that change after load which the function reaches
   * through any helper: `[file, name]`, read from the values the modules
   * registered (`registerState`) and keyed by value at call time.
   */
  readonly state?: ReadonlyArray<readonly [string, string]>;
  /**
   * Set when the build rewrote every module of `state` to register first
   * thing (it knew them before any module loaded): a module that has not
   * registered has not run yet, so its bindings hold their initial values
   * (covered by the hash) and the call is keyed so. Without it such a call
   * runs uncached.
   */
  readonly stateAhead?: boolean;
  /**
   * Code the function reaches may read a typed array's `buffer` or
   * `byteOffset` (`@cachephant/core`'s `key/view-layout.ts`): a view that is
   * a window on a larger buffer keys by the whole buffer and where the view
   * is, not by the view's bytes alone.
   */
  readonly viewBuffers?: boolean;
  /**
   * What the code hash is made of, for debug lines after a code change: a
   * JSON array of `[label, hash]` pairs, the function's own code first
   * (`["own code", "…"]`), then each declaration, module or package it
   * reaches (`["helper tax (src/tax.ts)", "…"]`, `["package lodash", "4.17.21"]`).
   * A string literal, so a call allocates nothing for it; parsed only when
   * debugging.
   */
  readonly deps?: string;
  /**
   * Indices into `scope` and into `state` of values a package made (`const sdk
   * = new Client(…)` with `Client` from a package): an instance there counts by
   * its class's code and its public data; its private fields (`#…`: the
   * package's connections, credentials, caches) do not count.
   */
  readonly packageScope?: readonly number[];
  readonly packageState?: readonly number[];
  /**
   * Indices into `scope` and into `state` of module data the build proved
   * never changes after load: a `const` the module does not export, made
   * fresh at load (`JSON.parse(…)`, a file's text, a literal of such values)
   * and only read by every reference, through every alias. Keyed once per
   * process, by the value's identity (a string by `===`), not walked on every
   * call. Without them (an older build) every call keys them by value.
   */
  readonly unchangingScope?: readonly number[];
  readonly unchangingState?: readonly number[];
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
