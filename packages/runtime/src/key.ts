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
 */
import { hash } from "node:crypto";
import { EventEmitter } from "node:events";
import { types } from "node:util";
import { UnkeyableValueError } from "./errors.js";
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
 * parameters; indices in `meta.ignore` left out).
 * @throws UnkeyableValueError naming the value's path (`args[1].logger`).
 */
export function entryKey(meta: CachedFunctionMeta, values: readonly unknown[]): string {
  const ignore = meta.ignore;
  const stack: object[] = [];
  let encoded = "";
  for (let i = 0; i < values.length; i++) {
    if (ignore !== undefined && ignore.includes(i)) {
      encoded += "_";
      continue;
    }
    try {
      encoded += encode(values[i], stack);
    } catch (error) {
      throw toUnkeyable(error, meta.paths[i] ?? `args[${i}]`);
    }
  }
  const digest = hash("sha256", `${meta.hash}\n${values.length}\n${encoded}`, "base64url");
  return `${ENTRY_KEY_PREFIX}${meta.hash}:${digest}`;
}

/**
 * The canonical encoding of one value (exported for tests: two values key
 * alike exactly when their encodings are equal).
 * @throws UnkeyableValueError with `path` as the value's own path.
 */
export function canonicalEncoding(value: unknown, path = "value"): string {
  try {
    return encode(value, []);
  } catch (error) {
    throw toUnkeyable(error, path);
  }
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

function encode(value: unknown, stack: object[]): string {
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
      return value === null ? "z" : encodeObject(value, stack);
    case "function":
      throw new ValuePathFailure("a function");
    default:
      throw new ValuePathFailure("a symbol");
  }
}

function encodeObject(value: object, stack: object[]): string {
  // Cycles: an object already open on the way down is written as its depth.
  const openAt = stack.indexOf(value);
  if (openAt !== -1) return `^${openAt};`;
  stack.push(value);
  const proto: unknown = Object.getPrototypeOf(value);
  let encoded: string;
  if (proto === Object.prototype || proto === null) encoded = encodeProperties("o", value, stack);
  else if (proto === Array.prototype) encoded = encodeArray(value as unknown[], stack);
  else encoded = encodeOther(value, proto, stack);
  stack.pop();
  return encoded;
}

function encodeProperties(tag: string, value: object, stack: object[]): string {
  const keys = Object.keys(value);
  if (keys.length > 1) keys.sort();
  let encoded = `${tag}${keys.length}:`;
  let i = 0;
  try {
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      encoded += `${key.length}:${key}${encode((value as Record<string, unknown>)[key], stack)}`;
    }
  } catch (error) {
    prependSegment(error, () => propertySegment(keys[i]!));
  }
  return encoded;
}

function encodeArray(value: readonly unknown[], stack: object[]): string {
  let encoded = `a${value.length}:`;
  let i = 0;
  try {
    // Holes read as undefined, like the function itself would see them.
    for (; i < value.length; i++) encoded += encode(value[i], stack);
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

function encodeOther(value: object, proto: unknown, stack: object[]): string {
  const kind = kindOf(value, proto);
  if (typeof kind === "object") throw new ValuePathFailure(kind.unkeyable);
  if (kind === "instance") {
    // Class instances: by class name and own enumerable data.
    const name = className(value);
    return `c${name.length}:${name}${encodeProperties("o", value, stack)}`;
  }
  const builtin = encodeBuiltin(kind, value, stack);
  if (INTRINSIC_PROTOS.has(proto)) return builtin;
  // A subclass of a built-in (class Tags extends Set) keys apart from the built-in.
  const name = className(value);
  return `c${name.length}:${name}${builtin}`;
}

function encodeBuiltin(kind: Exclude<Kind, "instance" | { unkeyable: string }>, value: object, stack: object[]): string {
  switch (kind) {
    case "array":
      return encodeArray(value as unknown[], stack);
    case "date":
      // An invalid date's time is NaN, so all invalid dates key alike.
      return `d${Date.prototype.getTime.call(value)};`;
    case "regexp": {
      const source = (value as RegExp).source;
      return `r${source.length}:${source}${(value as RegExp).flags};`;
    }
    case "map":
      return encodeMap(value as Map<unknown, unknown>, stack);
    case "set":
      return encodeSet(value as Set<unknown>, stack);
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
      return `x${encode(unbox(value), stack)}`;
    case "error":
      return encodeError(value as Error, stack);
  }
}

/**
 * Map entries and Set elements are sorted by their encodings: like plain
 * objects, two Maps or Sets with the same contents key alike whatever the
 * insertion order.
 */
function encodeMap(value: Map<unknown, unknown>, stack: object[]): string {
  const entries: string[] = [];
  let onKey = true;
  let currentKey: unknown;
  try {
    for (const [key, item] of value) {
      currentKey = key;
      onKey = true;
      const encodedKey = encode(key, stack);
      onKey = false;
      entries.push(encodedKey + encode(item, stack));
    }
  } catch (error) {
    prependSegment(error, () => (onKey ? MAP_KEY_SEGMENT : mapValueSegment(currentKey)));
  }
  entries.sort();
  return `m${entries.length}:${entries.join("")}`;
}

function encodeSet(value: Set<unknown>, stack: object[]): string {
  const elements: string[] = [];
  try {
    for (const element of value) elements.push(encode(element, stack));
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

function encodeError(value: Error, stack: object[]): string {
  // message and cause are own but not enumerable on errors; the stack is left out (it names lines).
  const name = className(value);
  let encoded = `E${name.length}:${name}${encode(String(value.message), stack)}`;
  try {
    encoded += Object.hasOwn(value, "cause") ? encode(value.cause, stack) : "-";
  } catch (error) {
    prependSegment(error, () => ".cause");
  }
  return encoded + encodeProperties("o", value, stack);
}

function unbox(value: object): unknown {
  if (types.isNumberObject(value)) return Number.prototype.valueOf.call(value);
  if (types.isStringObject(value)) return String.prototype.valueOf.call(value);
  if (types.isBooleanObject(value)) return Boolean.prototype.valueOf.call(value);
  if (types.isBigIntObject(value)) return BigInt.prototype.valueOf.call(value);
  return Symbol.prototype.valueOf.call(value);
}
