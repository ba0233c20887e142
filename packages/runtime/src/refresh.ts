/**
 * Forcing a recompute: `refresh(fn)` runs `fn`, and every cached call made
 * inside it (directly, or through helpers and awaits) computes again and
 * overwrites its entry instead of reading it. `CACHEPHANT=refresh` does the
 * same for a whole process.
 */
import type { AsyncLocalStorage } from "node:async_hooks";

// One for every copy of the runtime in the process (a bundled copy, Vite's module runner), like the state registry.
// Made by the first refresh(): a program that never refreshes loads no async_hooks (see docs/store.md, "A hit").
const SCOPE = Symbol.for("cachephant.refresh");
const registry = globalThis as Record<symbol, AsyncLocalStorage<true> | undefined>;

/**
 * Runs `fn` with every cached call inside it computed again and stored over
 * its entry; returns what `fn` returns.
 * @example await refresh(() => loadReport(url)); // recomputes this one call
 */
export function refresh<T>(fn: () => T): T {
  const scope = (registry[SCOPE] ??= new (process.getBuiltinModule("node:async_hooks").AsyncLocalStorage)<true>());
  return scope.run(true, fn);
}

/** Whether the current call runs inside `refresh()`. */
export function insideRefresh(): boolean {
  return registry[SCOPE]?.getStore() === true;
}
