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
 * a array, o plain object, c class instance (name, then own data), d Date,
 * r RegExp, m Map, e Set, b binary, l URL, x boxed primitive, E error,
 * ^ back-reference to an enclosing object (cycles), _ an ignored parameter.
 * Scope values only: F a function or class, k an object keyed by its class
 * name only (see `KeyMode`). Module state only: G a function or class by its
 * source, then its own properties (o) and its prototype's (p); N a module
 * that has not run yet (see `state.ts`).
 */
import { hash } from "node:crypto";
import { EventEmitter } from "node:events";
import { types } from "node:util";
import { UnkeyableValueError } from "./errors.js";
import { NOT_LOADED } from "./state.js";
import type { CachedFunctionMeta } from "./meta.js";
import {
  className,
  indexSegment,
  MAP_KEY_SEGMENT,
  mapValueSegment,
  prependSegment,
  propertySegment,
  SET_ELEMENT_SEGMENT,
  ValuePathFailure,
} from "./value-path.js";

/** Every entry key starts with this, then the code hash, then the arguments' digest. */
export const ENTRY_KEY_PREFIX = "cachephant:v1:";

/**
 * Binary values up to this many bytes go into the encoding as latin1 text;
 * longer ones as their own sha256 (hashed straight from their memory, no
 * copy), so large buffers key at the hash's speed and Map/Set entries that
 * hold them can still be sorted as strings.
 */
const INLINE_BINARY_LIMIT = 256;

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
): string {
  const ignore = meta.ignore;
  const walk: Walk = { stack: [], scope: false };
  let encoded = "";
  for (let i = 0; i < values.length; i++) {
    if (ignore !== undefined && ignore.includes(i)) {
      encoded += "_";
      continue;
    }
    try {
      encoded += encode(values[i], walk);
    } catch (error) {
      throw toUnkeyable(error, meta.paths[i] ?? `args[${i}]`);
    }
  }
  let input = `${meta.hash}\n${values.length}\n${encoded}`;
  // Each encoding is self-delimiting, so these suffixes cannot be confused with more arguments.
  if (scope !== undefined && scope.length > 0) {
    walk.scope = true;
    input += encodeSection("scope", scope, walk, (i) => scopePath(meta, i));
  }
  if (state !== undefined && state.length > 0) {
    // Module state: like scope values, except functions and classes count by
    // their source and own properties (they may be swapped or given statics).
    walk.scope = true;
    walk.state = true;
    input += encodeSection("state", state, walk, (i) => statePath(meta, i), NOT_LOADED);
  }
  const digest = hash("sha256", input, "base64url");
  return `${ENTRY_KEY_PREFIX}${meta.hash}:${digest}`;
}

/**
 * How a value is keyed: `args` as a parameter (a value that is not data makes
 * the call unkeyable), `scope` as an outside variable (functions and classes
 * by a fixed token, their code being in the code hash; other objects that are
 * not plain data by their class only).
 */
export type KeyMode = "args" | "scope";

/**
 * The canonical encoding of one value (exported for tests: two values key
 * alike exactly when their encodings are equal).
 * @throws UnkeyableValueError with `path` as the value's own path.
 */
export function canonicalEncoding(value: unknown, path = "value", mode: KeyMode = "args"): string {
  try {
    return encode(value, { stack: [], scope: mode === "scope" });
  } catch (error) {
    throw toUnkeyable(error, path);
  }
}

/** A scope value keyed by its class only, and where it sits (`scope.config.client`). */
export interface ClassKeyedValue {
  readonly path: string;
  /** The class name (`PrismaClient`), `Symbol` or `Module`; "" for an object whose class has no name. */
  readonly className: string;
}

/** At most this many class-keyed values are looked for per scope value (each costs a walk). */
const CLASS_KEYED_PATHS_LIMIT = 10;

/**
 * Where the scope values hold values keyed by their class only, for debug
 * lines. Not on the normal path: it walks each value again once per value
 * found, letting the walk fail at the next class-keyed value so the existing
 * path machinery names it. Never throws.
 */
export function classKeyedScopeValues(meta: CachedFunctionMeta, scope: readonly unknown[]): ClassKeyedValue[] {
  const found: ClassKeyedValue[] = [];
  for (let i = 0; i < scope.length; i++) {
    for (let skip = 0; skip < CLASS_KEYED_PATHS_LIMIT; skip++) {
      try {
        encode(scope[i], { stack: [], scope: true, probe: { skip, seen: 0 } });
        break;
      } catch (error) {
        if (!(error instanceof ClassKeyedProbe)) break;
        found.push({ path: scopePath(meta, i) + error.suffix, className: error.className });
      }
    }
  }
  return found;
}

/** `\nscope 2\n` and the values' encodings; an unkeyable value names its path. */
function encodeSection(name: string, values: readonly unknown[], walk: Walk, pathOf: (index: number) => string, notLoaded?: symbol): string {
  let encoded = `\n${name} ${values.length}\n`;
  for (let i = 0; i < values.length; i++) {
    // A module that has not run yet (state only): a tag no value has.
    if (notLoaded !== undefined && values[i] === notLoaded) {
      encoded += "N";
      continue;
    }
    try {
      encoded += encode(values[i], walk);
    } catch (error) {
      throw toUnkeyable(error, pathOf(i));
    }
  }
  return encoded;
}

/** `src/h.ts#config`: the path of the `index`th state value. */
function statePath(meta: CachedFunctionMeta, index: number): string {
  const entry = meta.state?.[index];
  return entry === undefined ? `state[${index}]` : `${entry[0]}#${entry[1]}`;
}

/** `scope.config`: the path of the `index`th scope value, in the terms of the function's code. */
export function scopePath(meta: CachedFunctionMeta, index: number): string {
  const name = meta.scope?.[index];
  return name !== undefined ? `scope.${name}` : `scope[${index}]`;
}

/** State of one walk over a value. */
interface Walk {
  /** Objects open on the way down, to write cycles as back-references. */
  readonly stack: object[];
  /** Keying scope values (see `KeyMode`) rather than arguments. */
  scope: boolean;
  /** Keying module state: functions by their source and own properties. */
  state?: boolean;
  /** Debug only: fail at the class-keyed value after the first `skip` ones, to learn its path. */
  readonly probe?: { readonly skip: number; seen: number };
}

/** Thrown by a probing walk at a class-keyed value; containers prepend their path segments. */
class ClassKeyedProbe extends ValuePathFailure {
  constructor(readonly className: string) {
    super(`keyed by its class (${className}) only`);
  }
}

/** Functions and classes among scope values: their code is already in the code hash. */
const FUNCTION_TOKEN = "F";

/** A scope value that is not plain data: by its class name only, never by its contents. */
function byClass(value: unknown, name: string, walk: Walk): string {
  const probe = walk.probe;
  if (probe !== undefined && probe.seen++ === probe.skip) throw new ClassKeyedProbe(name);
  return `k${name.length}:${name}`;
}

function toUnkeyable(error: unknown, basePath: string): UnkeyableValueError {
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

function encode(value: unknown, walk: Walk): string {
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
      return value === null ? "z" : encodeObject(value, walk);
    case "function":
      if (walk.state) return encodeFunctionState(value, walk);
      if (walk.scope) return FUNCTION_TOKEN;
      throw new ValuePathFailure("a function");
    default:
      if (walk.scope) return byClass(value, "Symbol", walk);
      throw new ValuePathFailure("a symbol");
  }
}

/**
 * A function or class in module state: its source, its own enumerable
 * properties (statics assigned later) and those of its prototype (methods
 * assigned later), so swapping it or assigning to it changes the key.
 */
function encodeFunctionState(value: Function, walk: Walk): string {
  const stack = walk.stack;
  const openAt = stack.indexOf(value);
  if (openAt !== -1) return `^${openAt};`;
  stack.push(value);
  const source = Function.prototype.toString.call(value);
  let encoded = `G${source.length}:${source}${encodeProperties("o", value, walk)}`;
  const prototype: unknown = (value as { prototype?: unknown }).prototype;
  if (typeof prototype === "object" && prototype !== null && Object.keys(prototype).length > 0) {
    encoded += encodeProperties("p", prototype, walk);
  }
  stack.pop();
  return encoded;
}

function encodeObject(value: object, walk: Walk): string {
  // Cycles: an object already open on the way down is written as its depth.
  const stack = walk.stack;
  const openAt = stack.indexOf(value);
  if (openAt !== -1) return `^${openAt};`;
  const proto: unknown = Object.getPrototypeOf(value);
  // A module namespace has no prototype either, but is a module, not data.
  if (proto === null && walk.scope && isModuleNamespace(value)) return byClass(value, "Module", walk);
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

// What a non-plain object is, by prototype first (fast), else by brand check
// (subclasses, objects from another realm).
type Kind =
  | "array"
  | "date"
  | "regexp"
  | "map"
  | "set"
  | "view"
  | "arraybuffer"
  | "url"
  | "boxed"
  | "error"
  | "instance"
  | { unkeyable: string };

const KIND_BY_PROTO = new Map<unknown, Kind>([
  [Date.prototype, "date"],
  [RegExp.prototype, "regexp"],
  [Map.prototype, "map"],
  [Set.prototype, "set"],
  [Buffer.prototype, "view"],
  [Uint8Array.prototype, "view"],
  [Int8Array.prototype, "view"],
  [Uint8ClampedArray.prototype, "view"],
  [Int16Array.prototype, "view"],
  [Uint16Array.prototype, "view"],
  [Int32Array.prototype, "view"],
  [Uint32Array.prototype, "view"],
  [Float32Array.prototype, "view"],
  [Float64Array.prototype, "view"],
  [BigInt64Array.prototype, "view"],
  [BigUint64Array.prototype, "view"],
  [DataView.prototype, "view"],
  [ArrayBuffer.prototype, "arraybuffer"],
  [SharedArrayBuffer.prototype, "arraybuffer"],
  [URL.prototype, "url"],
  [Number.prototype, "boxed"],
  [String.prototype, "boxed"],
  [Boolean.prototype, "boxed"],
  [BigInt.prototype, "boxed"],
  [Symbol.prototype, { unkeyable: "a symbol" }],
  [Promise.prototype, { unkeyable: "a Promise" }],
  [WeakMap.prototype, { unkeyable: "a WeakMap" }],
  [WeakSet.prototype, { unkeyable: "a WeakSet" }],
  [WeakRef.prototype, { unkeyable: "a WeakRef" }],
  [FinalizationRegistry.prototype, { unkeyable: "a FinalizationRegistry" }],
]);

const INTRINSIC_PROTOS = new Set<unknown>([...KIND_BY_PROTO.keys(), Array.prototype, Error.prototype]);

function kindOf(value: object, proto: unknown): Kind {
  const known = KIND_BY_PROTO.get(proto);
  if (known !== undefined) return known;
  if (types.isPromise(value)) return { unkeyable: "a Promise" };
  if (types.isWeakMap(value)) return { unkeyable: "a WeakMap" };
  if (types.isWeakSet(value)) return { unkeyable: "a WeakSet" };
  if (value instanceof WeakRef) return { unkeyable: "a WeakRef" };
  if (types.isGeneratorObject(value)) return { unkeyable: "a generator" };
  if (value instanceof EventEmitter || isWebStream(value)) return { unkeyable: "a stream or event emitter" };
  if (Array.isArray(value)) return "array";
  if (types.isDate(value)) return "date";
  if (types.isRegExp(value)) return "regexp";
  if (types.isMap(value)) return "map";
  if (types.isSet(value)) return "set";
  if (ArrayBuffer.isView(value)) return "view";
  if (types.isAnyArrayBuffer(value)) return "arraybuffer";
  if (value instanceof URL) return "url";
  if (types.isBoxedPrimitive(value)) return "boxed";
  if (types.isNativeError(value) || value instanceof Error) return "error";
  // Duck-typed last, so a plain data class with a `then` field of data is not caught.
  const probe = value as { then?: unknown; pipe?: unknown };
  if (typeof probe.then === "function") return { unkeyable: "a thenable (a Promise-like object)" };
  if (typeof probe.pipe === "function") return { unkeyable: "a stream or event emitter" };
  return "instance";
}

function isWebStream(value: object): boolean {
  return (
    value instanceof ReadableStream || value instanceof WritableStream || value instanceof TransformStream
  );
}

function encodeOther(value: object, proto: unknown, walk: Walk): string {
  const kind = kindOf(value, proto);
  if (typeof kind === "object") {
    if (walk.scope) return byClass(value, className(value), walk);
    throw new ValuePathFailure(kind.unkeyable);
  }
  if (kind === "instance") {
    const name = className(value);
    // In scope, a class instance is a client, a connection, a service: its class is what counts.
    if (walk.scope) return byClass(value, name, walk);
    // Arguments: by class name and own enumerable data.
    return `c${name.length}:${name}${encodeProperties("o", value, walk)}`;
  }
  const builtin = encodeBuiltin(kind, value, walk);
  if (INTRINSIC_PROTOS.has(proto)) return builtin;
  // A subclass of a built-in (class Tags extends Set) keys apart from the built-in.
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
      const tag = Buffer.isBuffer(view) ? "Buffer" : String((view as unknown as Record<symbol, unknown>)[Symbol.toStringTag]);
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
 * Map entries and Set elements are sorted by their encodings: like plain
 * objects, two Maps or Sets with the same contents key alike whatever the
 * insertion order.
 */
function encodeMap(value: Map<unknown, unknown>, walk: Walk): string {
  const entries: string[] = [];
  let onKey = true;
  let currentKey: unknown;
  try {
    for (const [key, item] of value) {
      currentKey = key;
      onKey = true;
      const encodedKey = encode(key, walk);
      onKey = false;
      entries.push(encodedKey + encode(item, walk));
    }
  } catch (error) {
    prependSegment(error, () => (onKey ? MAP_KEY_SEGMENT : mapValueSegment(currentKey)));
  }
  entries.sort();
  return `m${entries.length}:${entries.join("")}`;
}

function encodeSet(value: Set<unknown>, walk: Walk): string {
  const elements: string[] = [];
  try {
    for (const element of value) elements.push(encode(element, walk));
  } catch (error) {
    prependSegment(error, () => SET_ELEMENT_SEGMENT);
  }
  elements.sort();
  return `e${elements.length}:${elements.join("")}`;
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
