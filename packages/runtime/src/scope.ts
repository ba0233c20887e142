/**
 * The variables a cached function reads from outside its body (closure and
 * module variables, values imported from project modules). The build passes
 * a `scope()` thunk returning their current values; they are keyed by value
 * at call time (see `KeyMode` in `key/encode.ts`).
 */
import { UnreadableScopeError } from "./errors.js";
import { classKeyedScopeValues } from "./key/index.js";
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
 * it does not. Never throws.
 */
export function noteClassKeyedScope(meta: CachedFunctionMeta, scope: readonly unknown[]): void {
  for (const { path, className } of classKeyedScopeValues(meta, scope)) {
    const who = label(meta);
    debugOnce(`${who}\0${path}`, `${who}: ${path} is keyed by its class (${className || "anonymous"}) only`);
  }
}
