/**
 * The entry key of one call: a canonical encoding of the call's inputs,
 * hashed with the function's code hash.
 *
 * The encoding is a string built in one recursive pass, with a type tag and a
 * length before every variable-length part, so no two different values encode
 * alike. Strings are cheap to append in V8 (ropes), and one-shot
 * `crypto.hash` over the result costs well under a microsecond, so a call
 * with small arguments keys in about a microsecond.
 *
 * Tags: u undefined, z null, t/f booleans, n number, i bigint, s string,
 * a array, o plain object, c class instance (its class's code C, then own
 * data), d Date, r RegExp, m Map, e Set (both in iteration order), b binary,
 * l URL, x boxed primitive, E error, ^ back-reference to an enclosing object
 * (cycles), _ an ignored parameter, G a function or class by its source, then
 * its own properties (o) and its prototype's (p), N a built-in function by its
 * global name. Scope and state only: F a module-level function or class of
 * the project (its code is in the code hash), k a resource (an event
 * emitter, a stream, an instance of a native class) keyed by its class name
 * only (see `Walk`). Inside a value a package made (`packageMade`): B a bound
 * or native function of the package, by its name. State only: U a module that
 * has not run yet (see `state.ts`).
 *
 * A function's source describes it fully only when it reads nothing from
 * outside but known globals: the free names come from the core's scope
 * analysis (`@cachephant/core/standalone`, loaded on the first function or
 * class that needs it: `NeedsParser`), memoized per source text and per
 * function object.
 */
import { hash } from "node:crypto";
import { types } from "node:util";
import { UnkeyableValueError } from "../errors.js";
import {
  className,
  indexSegment,
  MAP_KEY_SEGMENT,
  mapValueSegment,
  prependSegment,
  propertySegment,
  SET_ELEMENT_SEGMENT,
  ValuePathFailure,
} from "../value-path.js";
import { type AnyFunction, functionCodeOf, NeedsParser, usableClassCode } from "./function-code.js";
import { INTRINSIC_PROTOS, type Kind, kindOf } from "./value-kinds.js";

/**
 * Binary values up to this many bytes go into the encoding as latin1 text;
 * longer ones as their own sha256 (hashed straight from their memory, no
 * copy), so large buffers key at the hash's speed.
 */
const INLINE_BINARY_LIMIT = 256;

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

/**
 * The canonical encoding of one value (exported for tests: two values key
 * alike exactly when their encodings are equal).
 * @throws UnkeyableValueError with `path` as the value's own path.
 */
export function canonicalEncoding(value: unknown, path = "value", mode: KeyMode = "args"): string {
  try {
    return encode(value, { stack: [], mode, depth0: mode === "module" });
  } catch (error) {
    throw toUnkeyable(error, path);
  }
}

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
  /** Debug only: fail at the class-keyed value after the first `skip` ones, to learn its path. */
  readonly probe?: { readonly skip: number; seen: number };
}

/** Functions and classes among scope values: their code is already in the code hash. */
const FUNCTION_TOKEN = "F";

/** A scope value that is not plain data: by its class name only, never by its contents. */
function byClass(value: unknown, name: string, walk: Walk): string {
  const probe = walk.probe;
  if (probe !== undefined && probe.seen++ === probe.skip) throw new ClassKeyedProbe(name);
  return `k${name.length}:${name}`;
}

/**
 * A function: by its source when that is all of it (it reads nothing from
 * outside but known globals), then its own enumerable properties and its
 * prototype's; a built-in by its name. In a module binding's data (`module`
 * mode), whose making code is in the code hash, by its source alone.
 */
function encodeFunction(fn: AnyFunction, walk: Walk): string {
  const stack = walk.stack;
  const openAt = stack.indexOf(fn);
  if (openAt !== -1) return `^${openAt};`;
  const code = functionCodeOf(fn);
  // Inside a package's object (a client's methods, its fetch): the package's own code, versioned by the
  // code hash; what it closes over, and a bound or native function's target, is the package's own state.
  const packaged = walk.packageMade === true;
  if (code.fail !== undefined && !packaged) throw new ValuePathFailure(code.fail);
  if (code.closes !== undefined && walk.mode !== "module" && !packaged) throw new ValuePathFailure(code.closes);
  stack.push(fn);
  let encoded = (code.head ?? `B${fn.name.length}:${fn.name}`) + encodeProperties("o", fn, walk);
  const prototype: unknown = (fn as { prototype?: unknown }).prototype;
  if (typeof prototype === "object" && prototype !== null && Object.keys(prototype).length > 0) {
    encoded += encodeProperties("p", prototype, walk);
  }
  stack.pop();
  return encoded;
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

export function encode(value: unknown, walk: Walk): string {
  switch (typeof value) {
    case "string":
      return `s${value.length}:${value}`;
    case "number":
      // String() is canonical for numbers (NaN is always "NaN") except that it drops the sign of -0.
      return value === 0 && 1 / value < 0 ? "n-0;" : `n${value};`;
    case "boolean":
      return value ? "t" : "f";
    case "undefined":
      return "u";
    case "bigint":
      return `i${value};`;
    case "object":
      if (value === null) return "z";
      walk.depth0 = false;
      return encodeObject(value, walk);
    case "function":
      if (walk.depth0) {
        // A module binding that is a function or class: its code is in the code hash.
        walk.depth0 = false;
        return FUNCTION_TOKEN;
      }
      return encodeFunction(value, walk);
    default:
      if (walk.mode !== "args") return byClass(value, "Symbol", walk);
      throw new ValuePathFailure("a symbol");
  }
}

function encodeObject(value: object, walk: Walk): string {
  // Cycles: an object already open on the way down is written as its depth.
  const stack = walk.stack;
  const openAt = stack.indexOf(value);
  if (openAt !== -1) return `^${openAt};`;
  const proto: unknown = Object.getPrototypeOf(value);
  // A module namespace has no prototype either, but is a module, not data.
  if (proto === null && walk.mode !== "args" && isModuleNamespace(value)) return byClass(value, "Module", walk);
  stack.push(value);
  let encoded: string;
  if (proto === Object.prototype || proto === null) encoded = encodeProperties("o", value, walk);
  else if (proto === Array.prototype) encoded = encodeArray(value as unknown[], walk);
  else encoded = encodeOther(value, proto, walk);
  stack.pop();
  return encoded;
}

/** A real module namespace, or the frozen `[Symbol.toStringTag]: "Module"` object bundlers such as Rollup make of one. */
function isModuleNamespace(value: object): boolean {
  return (value as Record<symbol, unknown>)[Symbol.toStringTag] === "Module" || types.isModuleNamespaceObject(value);
}

function encodeProperties(tag: string, value: object, walk: Walk): string {
  const keys = Object.keys(value);
  if (keys.length > 1) keys.sort();
  let encoded = `${tag}${keys.length}:`;
  let i = 0;
  try {
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      encoded += `${key.length}:${key}${encode((value as Record<string, unknown>)[key], walk)}`;
    }
  } catch (error) {
    prependSegment(error, () => propertySegment(keys[i]!));
  }
  return encoded;
}

function encodeArray(value: readonly unknown[], walk: Walk): string {
  let encoded = `a${value.length}:`;
  let i = 0;
  try {
    // Holes read as undefined, like the function itself would see them.
    for (; i < value.length; i++) encoded += encode(value[i], walk);
  } catch (error) {
    prependSegment(error, () => indexSegment(i));
  }
  return encoded;
}

function encodeOther(value: object, proto: unknown, walk: Walk): string {
  const kind = kindOf(value, proto);
  if (typeof kind === "object") {
    // A resource: a client, a connection, a stream. Outside the arguments, its class is what counts.
    if (walk.mode !== "args") return byClass(value, className(value), walk);
    throw new ValuePathFailure(kind.unkeyable);
  }
  if (kind === "instance") {
    // A package's object (a client): its class's code and public data count; its private fields are the package's.
    const code = usableClassCode(proto as object, walk.mode === "module", walk.packageMade === true);
    if (typeof code !== "string") {
      if (code.resource && walk.mode !== "args") return byClass(value, className(value), walk);
      throw new ValuePathFailure(code.reason);
    }
    // Data: by its class's code (and methods assigned to its prototypes since) and own enumerable data.
    let encoded = `c${code}`;
    for (
      let p: object | null = proto as object;
      p !== null && !INTRINSIC_PROTOS.has(p);
      p = Object.getPrototypeOf(p) as object | null
    ) {
      if (Object.keys(p).length > 0) encoded += encodeProperties("p", p, walk);
    }
    return encoded + encodeProperties("o", value, walk);
  }
  const builtin = encodeBuiltin(kind, value, walk);
  if (INTRINSIC_PROTOS.has(proto)) return builtin;
  // A subclass of a built-in (class Tags extends Set) keys apart from the built-in, by its code
  // (an error subclass by its name: its chain has native classes such as TypeError).
  const code =
    kind === "error" ? undefined : usableClassCode(proto as object, walk.mode === "module", walk.packageMade === true);
  if (typeof code === "string") return `c${code}${builtin}`;
  if (code !== undefined && !code.resource) throw new ValuePathFailure(code.reason);
  const name = className(value);
  return `c${name.length}:${name}${builtin}`;
}

function encodeBuiltin(kind: Exclude<Kind, "instance" | { unkeyable: string }>, value: object, walk: Walk): string {
  switch (kind) {
    case "array":
      return encodeArray(value as unknown[], walk);
    case "date":
      // An invalid date's time is NaN, so all invalid dates key alike.
      return `d${Date.prototype.getTime.call(value)};`;
    case "regexp": {
      const source = (value as RegExp).source;
      return `r${source.length}:${source}${(value as RegExp).flags};`;
    }
    case "map":
      return encodeMap(value as Map<unknown, unknown>, walk);
    case "set":
      return encodeSet(value as Set<unknown>, walk);
    case "view": {
      const view = value as ArrayBufferView;
      const tag = Buffer.isBuffer(view)
        ? "Buffer"
        : String((view as unknown as Record<symbol, unknown>)[Symbol.toStringTag]);
      return encodeBytes(tag, new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    }
    case "arraybuffer": {
      const tag = types.isSharedArrayBuffer(value) ? "SharedArrayBuffer" : "ArrayBuffer";
      return encodeBytes(tag, new Uint8Array(value as ArrayBuffer));
    }
    case "url": {
      const href = (value as URL).href;
      return `l${href.length}:${href}`;
    }
    case "boxed":
      return `x${encode(unbox(value), walk)}`;
    case "error":
      return encodeError(value as Error, walk);
  }
}

/**
 * Map entries and Set elements in iteration order: the order is observable
 * (a loop over the entries, `[...set][0]`), so two Maps or Sets with the same
 * contents in another order may give other results, and key apart.
 */
function encodeMap(value: Map<unknown, unknown>, walk: Walk): string {
  let encoded = `m${value.size}:`;
  let onKey = true;
  let currentKey: unknown;
  try {
    for (const [key, item] of value) {
      currentKey = key;
      onKey = true;
      encoded += encode(key, walk);
      onKey = false;
      encoded += encode(item, walk);
    }
  } catch (error) {
    prependSegment(error, () => (onKey ? MAP_KEY_SEGMENT : mapValueSegment(currentKey)));
  }
  return encoded;
}

function encodeSet(value: Set<unknown>, walk: Walk): string {
  let encoded = `e${value.size}:`;
  try {
    for (const element of value) encoded += encode(element, walk);
  } catch (error) {
    prependSegment(error, () => SET_ELEMENT_SEGMENT);
  }
  return encoded;
}

function encodeBytes(tag: string, bytes: Uint8Array): string {
  const length = bytes.byteLength;
  if (length <= INLINE_BINARY_LIMIT) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, length).toString("latin1");
    return `b${tag};${length}:${text}`;
  }
  // The length decides between the two forms, so they cannot be confused.
  return `b${tag};${length}#${hash("sha256", bytes, "base64url")}`;
}

function encodeError(value: Error, walk: Walk): string {
  // message and cause are own but not enumerable on errors; the stack is left out (it names lines).
  const name = className(value);
  let encoded = `E${name.length}:${name}${encode(String(value.message), walk)}`;
  try {
    encoded += Object.hasOwn(value, "cause") ? encode(value.cause, walk) : "-";
  } catch (error) {
    prependSegment(error, () => ".cause");
  }
  return encoded + encodeProperties("o", value, walk);
}

function unbox(value: object): unknown {
  if (types.isNumberObject(value)) return Number.prototype.valueOf.call(value);
  if (types.isStringObject(value)) return String.prototype.valueOf.call(value);
  if (types.isBooleanObject(value)) return Boolean.prototype.valueOf.call(value);
  if (types.isBigIntObject(value)) return BigInt.prototype.valueOf.call(value);
  return Symbol.prototype.valueOf.call(value);
}

/** Thrown by a probing walk at a class-keyed value; containers prepend their path segments. */
export class ClassKeyedProbe extends ValuePathFailure {
  constructor(readonly className: string) {
    super(`keyed by its class (${className}) only`);
  }
}
