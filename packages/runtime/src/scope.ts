/**
 * The variables a cached function reads from outside its body (closure and
 * module variables, values imported from project modules). The build passes
 * a `scope()` thunk returning their current values; they are keyed by value
 * at call time (see `KeyMode` in `key/encode.ts`).
 */
import { UnreadableScopeError } from "./errors.js";
import { classKeyedScopeValues, scopePath, statePath } from "./key/index.js";
import type { CachedFunctionMeta } from "./meta.js";
import { debugOnce, label } from "./warn.js";

/**
 * Calls the build's thunk.
 * @throws UnreadableScopeError when it throws (a variable in its temporal dead zone).
 */
export function readScope(scope: () => readonly unknown[]): readonly unknown[] {
  try {
    return scope();
  } catch (error) {
    throw new UnreadableScopeError(error);
  }
}

/**
 * Debug mode: says, once per function and path, which scope values count by
 * their class only (`scope.db is keyed by its class (PrismaClient) only`), so
 * a user who expected a change of that object to compute again learns why
 * it does not; and which module data is keyed once per process, because the
 * build proved it never changes after load. Never throws.
 */
export function noteScopeKeying(meta: CachedFunctionMeta, scope: readonly unknown[] | undefined): void {
  const who = label(meta);
  for (const { path, className } of scope === undefined ? [] : classKeyedScopeValues(meta, scope)) {
    debugOnce(`${who}\0${path}`, `${who}: ${path} is keyed by its class (${className || "anonymous"}) only`);
  }
  const inScope = new Set((meta.unchangingScope ?? []).map((i) => meta.scope?.[i]));
  const once = [
    ...(meta.unchangingScope ?? []).map((i) => scopePath(meta, i)),
    // A variable of the function's own module that is in its scope too was said there.
    ...(meta.unchangingState ?? [])
      .filter((i) => !(meta.state?.[i]?.[0] === meta.file && inScope.has(meta.state[i][1])))
      .map((i) => `state.${statePath(meta, i)}`),
  ];
  for (const path of once) {
    debugOnce(
      `${who}\0once\0${path}`,
      `${who}: ${path} is keyed once per process: the build proved it never changes after load`,
    );
  }
}
