/**
 * Forcing a recompute: `refresh(fn)` runs `fn`, and every cached call made
 * inside it (directly, or through helpers and awaits) computes again and
 * overwrites its entry instead of reading it. `CACHEPHANT=refresh` does the
 * same for a whole process.
 */
import { AsyncLocalStorage } from "node:async_hooks";

// One for every copy of the runtime in the process (a bundled copy, Vite's module runner), like the state registry.
const SCOPE = Symbol.for("cachephant.refresh");
const scope = ((globalThis as Record<symbol, unknown>)[SCOPE] ??=
  new AsyncLocalStorage<true>()) as AsyncLocalStorage<true>;

/**
 * Runs `fn` with every cached call inside it computed again and stored over
 * its entry; returns what `fn` returns.
 * @example await refresh(() => loadReport(url)); // recomputes this one call
 */
export function refresh<T>(fn: () => T): T {
  return scope.run(true, fn);
}

/** Whether the current call runs inside `refresh()`. */
export function insideRefresh(): boolean {
  return scope.getStore() === true;
}
