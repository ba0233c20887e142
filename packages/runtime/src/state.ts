/**
 * Module state: bindings of project modules that change after load
 * (`let mode` set by `setMode()`, a `config` object that `configure()`
 * mutates). The build puts `registerState(file, { mode: () => mode })` first in
 * each such module, or, for an exported binding, in the module of the cached
 * function that reads it (through an import: a live binding); a cached
 * function that reaches them, through any helper, lists them in `meta.state`
 * and its calls are keyed by their current values.
 */
import { MissingStateError } from "./errors.js";
import type { CachedFunctionMeta } from "./meta.js";

type Getters = Readonly<Record<string, () => unknown>>;

// Shared by every copy of the runtime in the process (a bundled copy, Vite's module runner).
const REGISTRY = Symbol.for("cachephant.state");
const registry: Map<string, Getters> = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??= new Map()) as Map<string, Getters>;

/**
 * Called by code the build step appends to a module whose bindings change
 * after load, and to modules that read another module's exported state
 * (under that module's file); not meant to be called by hand.
 * @param file the module declaring the bindings, relative to the project root at build time
 * @param getters one getter per changing binding
 */
export function registerState(file: string, getters: Getters): void {
  // Merged: a module registers its own bindings, and modules that import its
  // exported ones register those under its file too.
  const known = registry.get(file);
  registry.set(file, known === undefined ? getters : { ...known, ...getters });
}

/**
 * The current values of the state `meta` lists, in its order.
 * @throws MissingStateError when a module has not registered, or a variable is
 *   not initialized yet (the call then runs uncached).
 */
export function readState(meta: CachedFunctionMeta): unknown[] {
  const entries = meta.state!;
  const values: unknown[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const [file, name] = entries[i]!;
    const getter = registry.get(file)?.[name];
    if (getter === undefined) throw new MissingStateError(file, name);
    try {
      values[i] = getter();
    } catch {
      // Read before its module initialized it (a call from the module's own top-level code).
      throw new MissingStateError(file, name);
    }
  }
  return values;
}
