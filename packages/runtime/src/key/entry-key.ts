/**
 * The entry key of one call: the function's code hash and a digest of its
 * inputs' canonical encodings (`encode.ts`), section by section.
 */
import { hash } from "node:crypto";
import type { CachedFunctionMeta } from "../meta.js";
import { NOT_LOADED } from "../state.js";
import { encodePart } from "./encode.js";
import { encodeUnchanging } from "./once.js";
import { type KeyMode, keyedSize, newWalk, resetWalk, toUnkeyable, type Walk } from "./walk.js";

/** Every entry key starts with this, then the code hash, then the arguments' digest. */
export const ENTRY_KEY_PREFIX = "cachephant:v2:";

/**
 * The key of a call of `meta`'s function with `values` (the resolved
 * parameters; indices in `meta.ignore` left out) and, when the build passed
 * them, `scope` (the current values of the outside variables the function
 * reads, named by `meta.scope`). A call without outside variables (`scope`
 * absent or empty) keys exactly as before scope values existed, so entries
 * written then stay valid.
 * @throws UnkeyableValueError naming the value's path (`args[1].logger`, `scope.config.x`).
 */
export function entryKey(
  meta: CachedFunctionMeta,
  values: readonly unknown[],
  scope?: readonly unknown[],
  state?: readonly unknown[],
  encodings?: PartEncodings,
  sizes?: number[],
): string {
  const ignore = meta.ignore;
  const walk = newWalk("args", false, meta.viewBuffers === true);
  let encoded = "";
  for (let i = 0; i < values.length; i++) {
    if (ignore !== undefined && ignore.includes(i)) {
      encoded += "_";
      encodings?.push(undefined);
      sizes?.push(0);
      continue;
    }
    resetWalk(walk, "args", false);
    try {
      const part = encodePart(values[i], walk);
      encodings?.push(part);
      sizes?.push(keyedSize(walk));
      encoded += part;
    } catch (error) {
      throw toUnkeyable(error, meta.paths[i] ?? `args[${i}]`);
    }
  }
  let input = `${meta.hash}\n${values.length}\n${encoded}`;
  // Each encoding is self-delimiting, so these suffixes cannot be confused with more arguments.
  if (scope !== undefined && scope.length > 0) {
    const closures = meta.closures;
    input += encodeSection("scope", scope, walk, {
      pathOf: (i) => scopePath(meta, i),
      modeOf: (i) => (closures !== undefined && closures.includes(i) ? "closure" : "module"),
      packageMade: meta.packageScope,
      unchanging: meta.unchangingScope,
      place: meta.hash,
      encodings,
      sizes,
    });
  }
  if (state !== undefined && state.length > 0) {
    // Module state: values made at run time (swapped functions, filled registries).
    input += encodeSection("state", state, walk, {
      pathOf: (i) => statePath(meta, i),
      modeOf: () => "state",
      packageMade: meta.packageState,
      unchanging: meta.unchangingState,
      place: meta.hash,
      notLoaded: NOT_LOADED,
      encodings,
      sizes,
    });
  }
  const digest = hash("sha256", input, "base64url");
  return `${ENTRY_KEY_PREFIX}${meta.hash}:${digest}`;
}

/**
 * One short digest per keyed part of a call (each argument path, each outside
 * variable, each state binding), stored with the entry it wrote so that a
 * later miss can name what differs (`key-change.ts`). Computed on the miss
 * path only, never on a hit's; the digests are of the same encodings the key
 * is made of.
 */
export function keyParts(
  meta: CachedFunctionMeta,
  values: readonly unknown[],
  scope?: readonly unknown[],
  state?: readonly unknown[],
  encodings?: PartEncodings,
): Record<string, string> {
  const parts: Record<string, string> = {};
  const digest = (encoded: string) => hash("sha256", encoded, "base64url").slice(0, KEY_PART_DIGEST_LENGTH);
  // Each part as `entryKey` encoded it (kept from that walk, or walked again the same way), so equal digests mean equal encodings.
  let at = 0;
  const part = (value: unknown, mode: KeyMode, packageMade = false) =>
    digest(encodings?.[at] ?? encodePart(value, newWalk(mode, packageMade, meta.viewBuffers === true)));
  for (let i = 0; i < values.length; i++, at++) {
    if (meta.ignore?.includes(i)) continue;
    parts[meta.paths[i] ?? `args[${i}]`] = part(values[i], "args");
  }
  for (let i = 0; i < (scope?.length ?? 0); i++, at++) {
    parts[scopePath(meta, i)] = part(
      scope![i],
      meta.closures?.includes(i) ? "closure" : "module",
      meta.packageScope?.includes(i),
    );
  }
  for (let i = 0; i < (state?.length ?? 0); i++, at++) {
    const value = state![i];
    parts[`state.${statePath(meta, i)}`] =
      value === NOT_LOADED ? "U" : part(value, "state", meta.packageState?.includes(i));
  }
  return parts;
}

/**
 * The encoding of each part as `entryKey` made it (arguments, then scope,
 * then state; undefined where nothing was encoded), kept for `keyParts` on
 * a miss so that a large value is walked once, not twice.
 */
export type PartEncodings = Array<string | undefined>;

/** The path of each of `PartEncodings`' places (`args[0]`, `scope.rows`, `state.src/h.ts#cache`). */
export function encodingPaths(meta: CachedFunctionMeta, values: number, scope = 0, state = 0): string[] {
  const paths: string[] = [];
  for (let i = 0; i < values; i++) paths.push(meta.paths[i] ?? `args[${i}]`);
  for (let i = 0; i < scope; i++) paths.push(scopePath(meta, i));
  for (let i = 0; i < state; i++) paths.push(`state.${statePath(meta, i)}`);
  return paths;
}

/** Enough of a sha256 to tell two values of one part apart in a debug line. */
const KEY_PART_DIGEST_LENGTH = 12;

/** How one section of the key (scope or state) keys its values. */
interface SectionOptions {
  pathOf: (index: number) => string;
  modeOf: (index: number) => KeyMode;
  /** Indices of values a package made. */
  packageMade?: readonly number[] | undefined;
  /** Indices of module data proven never to change after load: keyed once per process (`once.ts`). */
  unchanging?: readonly number[] | undefined;
  /** The function's code hash: where a remembered string belongs (`once.ts`). */
  place: string;
  /** State only: the tag of a module that has not run yet. */
  notLoaded?: symbol;
  encodings?: PartEncodings | undefined;
  sizes?: number[] | undefined;
}

/** `\nscope 2\n` and the values' encodings; an unkeyable value names its path. */
function encodeSection(name: string, values: readonly unknown[], walk: Walk, options: SectionOptions): string {
  const { packageMade, unchanging, notLoaded, encodings, sizes } = options;
  let encoded = `\n${name} ${values.length}\n`;
  for (let i = 0; i < values.length; i++) {
    // A module that has not run yet (state only): a tag no value has.
    if (notLoaded !== undefined && values[i] === notLoaded) {
      encoded += "U";
      encodings?.push(undefined);
      sizes?.push(0);
      continue;
    }
    resetWalk(walk, options.modeOf(i), packageMade !== undefined && packageMade.includes(i));
    try {
      // A remembered encoding walks nothing: its keyed size is 0.
      const part =
        unchanging !== undefined && unchanging.includes(i)
          ? encodeUnchanging(values[i], walk, `${options.place}\0${name}\0${i}`)
          : encodePart(values[i], walk);
      encodings?.push(part);
      sizes?.push(keyedSize(walk));
      encoded += part;
    } catch (error) {
      throw toUnkeyable(error, options.pathOf(i));
    }
  }
  return encoded;
}

/** `src/h.ts#config`: the path of the `index`th state value. */
export function statePath(meta: CachedFunctionMeta, index: number): string {
  const entry = meta.state?.[index];
  return entry === undefined ? `state[${index}]` : `${entry[0]}#${entry[1]}`;
}

/** `scope.config`: the path of the `index`th scope value, in the terms of the function's code. */
export function scopePath(meta: CachedFunctionMeta, index: number): string {
  const name = meta.scope?.[index];
  return name !== undefined ? `scope.${name}` : `scope[${index}]`;
}
