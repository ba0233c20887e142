/**
 * The warnings and debug lines of a call: why it ran uncached (a value it
 * could not key, with the `ignore=` hint), slow keying, hit or miss.
 */
import { MissingStateError, UnkeyableValueError, UnreadableScopeError } from "../errors.js";
import { encodingPaths } from "../key/index.js";
import type { CachedFunctionMeta } from "../meta.js";
import { debugLine, label, warnOnce } from "../warn.js";
import { type Call, clock } from "./call.js";

/** Keying slower than this is worth a debug line: large data in the key costs every call, hits included. */
export const SLOW_KEYING_MS = 10;

/** Says once per function (debug only) that keying is slow, and which value is the largest. */
export function noteSlowKeying(call: Call<unknown>, ms: number): void {
  const sizes = call.keyedSizes ?? [];
  const paths = encodingPaths(call.meta, call.values.length, call.scope?.length, call.state?.length);
  let largest = -1;
  for (let i = 0; i < sizes.length; i++) {
    if (sizes[i]! > (sizes[largest] ?? -1)) largest = i;
  }
  // A byte of binary data (hashed on its own) counts as one character.
  const what = largest === -1 ? "" : `; the largest value is ${paths[largest]} (${sizes[largest]} characters keyed)`;
  warnOnce(
    `slow-key:${label(call.meta)}`,
    `${label(call.meta)}: keying a call took ${ms.toFixed(1)}ms${what}. Every call pays it, hits included: pass a smaller value (an id, a path, a version) or name it in "ignore="`,
  );
}

/** Warns (once) about a call that cannot be keyed; returns the reason for its debug line. */
export function keyingFailureWarning(meta: CachedFunctionMeta, error: unknown): string {
  if (error instanceof UnreadableScopeError) {
    warnOnce(
      `scope:${label(meta)}`,
      `${label(meta)} runs uncached: ${error.message}; is it called before a variable it reads is initialized?`,
    );
    return error.message;
  }
  if (error instanceof MissingStateError) {
    warnOnce(`state:${label(meta)}:${error.file}`, `${label(meta)} runs uncached: ${error.message}`);
    return error.message;
  }
  if (!(error instanceof UnkeyableValueError)) {
    const why = `its inputs could not be keyed (${describeError(error)})`;
    warnOnce(`unkeyable:${label(meta)}`, `${label(meta)} runs uncached: ${why}`);
    return why;
  }
  warnOnce(
    `unkeyable:${label(meta)}:${error.path}`,
    `${label(meta)} runs uncached: ${error.message}; ${isStatePath(meta, error.path) ? STATE_HINT : `${ignoreHint(meta, error.path)} or pass plain data`}`,
  );
  return error.message;
}

/** Module state a helper reads (`src/log.ts#log.info`): `ignore=` names only the function's own parameters and outside variables. */
const STATE_HINT =
  'it is module state the function\'s helpers read, which "ignore=" cannot name: keep functions that close over variables out of it, or pass what they compute as data';

function isStatePath(meta: CachedFunctionMeta, path: string): boolean {
  return (meta.state ?? []).some(([file, name]) => {
    const head = `${file}#${name}`;
    return path === head || (path.startsWith(head) && /^[.[<]/.test(path.slice(head.length)));
  });
}

/** `add "ignore=logger" to its directive` when the parameter's name shows in its path. */
function ignoreHint(meta: CachedFunctionMeta, path: string): string {
  // An outside variable: `scope.config.x` names the variable `config`.
  const variable = /^scope\.([A-Za-z_$][\w$]*)/.exec(path)?.[1];
  if (variable !== undefined) return `add "ignore=${variable}" to its directive`;
  let binding: string | undefined;
  for (const p of meta.paths) {
    const inside = path === p || (path.startsWith(p) && /^[.[<]/.test(path.slice(p.length)));
    if (inside && (binding === undefined || p.length > binding.length)) binding = p;
  }
  const name = binding === undefined ? undefined : /\.([A-Za-z_$][\w$]*)$/.exec(binding)?.[1];
  return name !== undefined
    ? `add "ignore=${name}" to its directive`
    : 'name the parameter in "ignore=" in its directive';
}

export function report(call: Call<unknown>, outcome: "hit" | "miss", reason?: string): void {
  const ms = (clock() - call.started).toFixed(1);
  debugLine(`${outcome} ${label(call.meta)} ${ms}ms${reason === undefined ? "" : `: ${reason}`}`);
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message;
}
