/**
 * The state of one walk over a value (`encode.ts`) and where its encoding
 * goes: appended to a string while it is short, fed to a running sha256 in
 * chunks once it is long, so a large value is hashed as it is walked instead
 * of being built whole first.
 */
import { createHash, type Hash, hash } from "node:crypto";
import { UnkeyableValueError } from "../errors.js";
import { ValuePathFailure } from "../value-path.js";
import { NeedsParser } from "./function-code.js";

/**
 * How a value is keyed (docs/keys.md, "Values in keys"):
 * - `args`: a parameter. A function by its source when that is all of it; a
 *   class instance by its class's code and own data, when its class's methods
 *   read nothing from outside the class but known globals; a resource (stream,
 *   event emitter, native object) or a closure makes the call unkeyable.
 * - `closure`: a closure variable of an enclosing function (made at run
 *   time): as `args`, except that a resource counts by its class name.
 * - `module`: a module binding, import or module data that never changes
 *   after load (else it is also state): a function or class itself counts by
 *   the code hash (`F`); functions nested in its data by their source, and
 *   instances by their class's code even when its methods read outside names
 *   (the code that made them is in the code hash); resources by their class name.
 * - `state`: module state: as `closure`.
 */
export type KeyMode = "args" | "closure" | "module" | "state";

/** State of one walk over a value. */
export interface Walk {
  /** Objects open on the way down, to write cycles as back-references. */
  readonly stack: object[];
  /** What is being keyed (see `KeyMode`). */
  mode: KeyMode;
  /** The value at hand is a module binding's value itself (`F` for a function or class). */
  depth0: boolean;
  /** Inside a value a package made (`meta.packageScope`, `packageState`): private fields are the package's. */
  packageMade?: boolean;
  /** The function may read a view's `buffer` or `byteOffset` (`meta.viewBuffers`): views key by their whole buffer. */
  wholeViews?: boolean;
  /** Debug only: fail at the class-keyed value after the first `skip` ones, to learn its path. */
  readonly probe?: { readonly skip: number; seen: number };
  /** The encoding of the part at hand not yet fed to `hash`. */
  out: string;
  /** The part's running sha256, once its encoding passed `PART_TEXT_LIMIT` characters. */
  hash?: Hash | undefined;
  /** Characters already fed to `hash`. */
  hashed: number;
  /** Bytes of binary data hashed on their own (for the slow-keying line's size). */
  aside: number;
  /** Prototypes whose class's static data and replaced methods this part wrote already (`class-extras.ts`). */
  classes?: Set<object> | undefined;
}

/**
 * A part (an argument, a scope or state value) whose encoding is longer than
 * this many characters is keyed by its length and sha256 (`H<length>#<digest>`)
 * instead of its text: its encoding is hashed in chunks of about this size as
 * it is made. `H` is no value's tag, and the length decides the form, so the
 * two forms cannot be confused.
 */
export const PART_TEXT_LIMIT = 64 * 1024;

export { wellFormed } from "./text.js";

/** A walk over one part, in `mode`. */
export function newWalk(mode: KeyMode, packageMade = false, wholeViews = false): Walk {
  return { stack: [], mode, depth0: mode === "module", packageMade, wholeViews, out: "", hashed: 0, aside: 0 };
}

/** Sets `walk` up for the next part, in `mode`. */
export function resetWalk(walk: Walk, mode: KeyMode, packageMade: boolean): void {
  walk.mode = mode;
  walk.depth0 = mode === "module";
  walk.packageMade = packageMade;
  walk.out = "";
  walk.hash = undefined;
  walk.hashed = 0;
  walk.aside = 0;
  walk.classes = undefined;
}

/** Feeds the text made so far to the part's hash (called between values, when it is long). */
export function flush(walk: Walk): void {
  const out = walk.out;
  (walk.hash ??= createHash("sha256")).update(out);
  walk.hashed += out.length;
  walk.out = "";
}

/** Appends a long string's text straight to the hash, without copying it into the encoding. */
export function feedLong(walk: Walk, text: string): void {
  flush(walk);
  walk.hash!.update(text);
  walk.hashed += text.length;
}

/** The part's encoding: its text, or `H<length>#<sha256>` when longer than `PART_TEXT_LIMIT`. */
export function finishPart(walk: Walk): string {
  const out = walk.out;
  const length = walk.hashed + out.length;
  if (length <= PART_TEXT_LIMIT) return out;
  flush(walk);
  return `H${length}#${walk.hash!.digest("base64url")}`;
}

/** How many characters (and bytes of binary data) a part's walk keyed. */
export function keyedSize(walk: Walk): number {
  return walk.hashed + walk.out.length + walk.aside;
}

/**
 * Binary values up to this many bytes go into the encoding as latin1 text;
 * longer ones as their own sha256 (hashed straight from their memory, no
 * copy), so large buffers key at the hash's speed.
 */
const INLINE_BINARY_LIMIT = 256;

/** Type tag and bytes of a binary value: the bytes of its view only (`byteOffset`, `byteLength`). */
export function encodeBytes(tag: string, bytes: Uint8Array, walk: Walk): string {
  const length = bytes.byteLength;
  if (length <= INLINE_BINARY_LIMIT) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, length).toString("latin1");
    return `b${tag};${length}:${text}`;
  }
  walk.aside += length;
  // The length decides between the two forms, so they cannot be confused.
  return `b${tag};${length}#${hash("sha256", bytes, "base64url")}`;
}

/** A scope value that is not plain data: by its class name only, never by its contents. */
export function byClass(name: string, walk: Walk): string {
  const probe = walk.probe;
  if (probe !== undefined && probe.seen++ === probe.skip) throw new ClassKeyedProbe(name);
  return `k${name.length}:${name}`;
}

/** Thrown by a probing walk at a class-keyed value; containers prepend their path segments. */
export class ClassKeyedProbe extends ValuePathFailure {
  constructor(readonly className: string) {
    super(`keyed by its class (${className}) only`);
  }
}

export function toUnkeyable(error: unknown, basePath: string): UnkeyableValueError {
  // Not a failure: the caller loads the parser and keys again.
  if (error instanceof NeedsParser) throw error;
  if (error instanceof ValuePathFailure) {
    return new UnkeyableValueError(basePath + error.suffix, error.reason);
  }
  // A getter or a proxy trap threw, or the value nests too deeply for the stack.
  const message = error instanceof Error ? error.message : String(error);
  const reason =
    error instanceof RangeError && /call stack/i.test(message)
      ? "nested too deeply to key"
      : `a value that could not be read (${message})`;
  return new UnkeyableValueError(basePath, reason);
}
