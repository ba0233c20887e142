/**
 * Module state: bindings of project modules that change after load
 * (`let mode` set by `setMode()`, a `config` object that `configure()`
 * mutates). The build puts `registerState(file, { mode: () => mode })` first in
 * each such module (never in another: that would need an import, which
 * would change when the module runs); a cached function that reaches them,
 * through any helper, lists them in `meta.state` and its calls are keyed by
 * their current values.
 */
import { MissingStateError } from "./errors.js";
import type { CachedFunctionMeta } from "./meta.js";

type Getters = Readonly<Record<string, () => unknown>>;

// Shared by every copy of the runtime in the process (a bundled copy, Vite's module runner).
const REGISTRY = Symbol.for("cachephant.state");
const registry: Map<string, Getters> = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??= new Map()) as Map<
  string,
  Getters
>;

/**
 * Called by code the build step puts first in a module whose bindings change
 * after load; not meant to be called by hand.
 * @param file the module declaring the bindings, relative to the project root at build time
 * @param getters one getter per changing binding
 */
export function registerState(file: string, getters: Getters): void {
  // Merged: a module evaluated again (a dev server's update) replaces its getters.
  const known = registry.get(file);
  registry.set(file, known === undefined ? getters : { ...known, ...getters });
}

/**
 * Stands for the bindings of a module that has not run yet, in a call whose
 * build rewrote every module of its state to register first thing
 * (`meta.stateAhead`): they still hold their initial values, which the code
 * hash covers. Keyed apart from every value (`key/entry-key.ts`).
 */
export const NOT_LOADED: unique symbol = Symbol("cachephant.notLoaded");

/**
 * The current values of the state `meta` lists, in its order (`NOT_LOADED`
 * for a module that has not run yet, when the build says it registers ahead).
 * @throws MissingStateError when a module has not registered (and the build
 *   cannot vouch that it has not run), or a variable is not initialized yet
 *   (the call then runs uncached).
 */
export function readState(meta: CachedFunctionMeta): unknown[] {
  const entries = meta.state!;
  const values: unknown[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const [file, name] = entries[i]!;
    const getters = registry.get(file);
    if (getters === undefined && meta.stateAhead === true) {
      values[i] = NOT_LOADED;
      continue;
    }
    const getter = getters?.[name];
    if (getter === undefined) throw new MissingStateError(file, name);
    try {
      values[i] = getter();
    } catch (error) {
      // Read before its module initialized it (a call from the module's own top-level code).
      if ((error as Error | null)?.name !== "ReferenceError") throw error;
      throw new MissingStateError(file, name);
    }
  }
  return values;
}
