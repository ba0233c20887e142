/**
 * Results to bytes and back with `v8.serialize`/`v8.deserialize`
 * (structured-clone fidelity: Map, Set, Date, BigInt, RegExp, typed arrays,
 * Buffer, Error, shared and cyclic references).
 *
 * v8 silently changes some values instead of failing (a class instance comes
 * back as a plain object, a URL as `{}`, an Error loses its `code`), so a
 * result is checked before it is stored: anything that would not come back
 * as it went in makes the result unstorable, with the path of the culprit.
 *
 * Instances of registered classes (`classes.ts`) are written by v8 as plain
 * objects of their own data, and listed beside the value with their class
 * ids: `CLASS_RECORDS`, then `v8.serialize([value, [[id, instance], ...]])`.
 * The list holds references to the same objects, so v8 keeps shared and
 * cyclic instances as it does any object; reading gives each listed object
 * its class's prototype back (no constructor runs). A result without class
 * instances is written as v8 writes it, nothing before it.
 */
import v8 from "node:v8";
import { UnstorableResultError } from "./errors.js";
import {
  indexSegment,
  prependSegment,
  propertySegment,
  SET_ELEMENT_SEGMENT,
  ValuePathFailure,
  visitMapEntries,
} from "./value-path.js";
import { classById } from "./classes.js";
import { instanceClassId } from "./class-instances.js";
import { BINARY_VIEW_PROTOTYPES, BOXED_PROTOTYPES, NATIVE_ERROR_PROTOTYPES } from "./builtin-prototypes.js";

/**
 * Bytes of a result.
 * @throws UnstorableResultError naming the path (`result.items[2].client`).
 */
export function encodeResult(value: unknown): Buffer {
  const walk: Walk = { seen: new Set(), instances: [] };
  try {
    checkStorable(value, walk);
  } catch (error) {
    throw toUnstorable(error);
  }
  try {
    if (walk.instances.length === 0) return v8.serialize(value);
    return Buffer.concat([CLASS_RECORDS, v8.serialize([value, walk.instances])]);
  } catch (error) {
    // Whatever the check let through and v8 still refuses (e.g. a function in an array's extra property).
    throw new UnstorableResultError("result", `not storable (${(error as Error).message})`);
  }
}

/**
 * A fresh value from bytes written by `encodeResult`. Typed arrays and
 * Buffers get memory of their own, so two values decoded from the same bytes
 * share nothing (v8's default reader makes them views of the input).
 * @throws whatever `v8.deserialize` throws on bytes that are not a value.
 */
export function decodeResult(bytes: Uint8Array): unknown {
  const withClasses = startsWith(bytes, CLASS_RECORDS);
  const value = deserialize(withClasses ? bytes.subarray(CLASS_RECORDS.length) : bytes);
  if (!withClasses) return value;
  const [result, instances] = classRecords(value);
  for (const [id, instance] of instances) {
    const cls = classById(id);
    if (cls === undefined) throw new Error(`its class ${id} is not registered in this process`);
    Object.setPrototypeOf(instance, cls.prototype as object);
  }
  return result;
}

/**
 * Whether bytes decode, without giving instances their classes: for a process
 * that loads none of the program's classes (`cachephant verify`).
 * @throws what `decodeResult` throws for bytes that are not a value.
 */
export function checkDecodes(bytes: Uint8Array): void {
  const withClasses = startsWith(bytes, CLASS_RECORDS);
  const value = deserialize(withClasses ? bytes.subarray(CLASS_RECORDS.length) : bytes);
  if (withClasses) classRecords(value);
}

function classRecords(value: unknown): [unknown, Array<[string, object]>] {
  const [result, instances] = Array.isArray(value) && value.length === 2 ? (value as [unknown, unknown]) : [];
  const isRecord = (item: unknown) =>
    Array.isArray(item) && typeof item[0] === "string" && typeof item[1] === "object" && item[1] !== null;
  if (!Array.isArray(instances) || !instances.every(isRecord)) throw new Error("its class records are malformed");
  return [result, instances as Array<[string, object]>];
}

function deserialize(bytes: Uint8Array): unknown {
  checkFormat(bytes);
  if (IS_BUN) return v8.deserialize(bytes);
  const reader = new CopyingDeserializer(bytes);
  reader.readHeader();
  return reader.readValue();
}

/** Before the bytes of a result holding class instances (neither V8's format, 0xFF, nor JavaScriptCore's starts so). */
const CLASS_RECORDS = Buffer.from([0xfe, 0x43, 0x01]);

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** One walk of `checkStorable`: the objects seen, and the class instances met with their ids. */
interface Walk {
  readonly seen: Set<object>;
  readonly instances: Array<[string, object]>;
}

/**
 * Bun's `node:v8` writes JavaScriptCore's format (no `Deserializer` class;
 * its `deserialize` copies binary data already), and loses an Error's `cause`.
 */
const IS_BUN = typeof (process.versions as Record<string, string | undefined>).bun === "string";

/**
 * V8's format starts with its version tag 0xFF, JavaScriptCore's with a
 * small version number. Bytes the other engine wrote are refused (the caller
 * computes the entry again) rather than read as something else.
 */
function checkFormat(bytes: Uint8Array): void {
  const v8Format = bytes[0] === 0xff;
  if (IS_BUN && v8Format) throw new Error("written by Node or Deno (V8's format), which Bun cannot read");
  if (!IS_BUN && !v8Format) throw new Error("not in V8's format (written by Bun?)");
}

// eslint-disable-next-line @typescript-eslint/unbound-method -- called with each deserializer as `this`
const defaultReadHostObject = (
  v8.DefaultDeserializer.prototype as unknown as { _readHostObject(this: v8.Deserializer): ArrayBufferView }
)._readHostObject;

class CopyingDeserializer extends v8.DefaultDeserializer {
  // Called by v8 for each typed array, DataView and Buffer (Node serializes them as host objects).
  _readHostObject(): ArrayBufferView {
    const view = defaultReadHostObject.call(this);
    if (Buffer.isBuffer(view)) return Buffer.from(view);
    if (view instanceof DataView) {
      return new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
    }
    const TypedArray = view.constructor as new (source: ArrayBufferView) => ArrayBufferView;
    return new TypedArray(view);
  }
}

function toUnstorable(error: unknown): UnstorableResultError {
  if (error instanceof ValuePathFailure) return new UnstorableResultError(`result${error.suffix}`, error.reason);
  const message = error instanceof Error ? error.message : String(error);
  const reason =
    error instanceof RangeError && /call stack/i.test(message)
      ? "nested too deeply to store"
      : `a value that could not be read (${message})`;
  return new UnstorableResultError("result", reason);
}

type Storable = "leaf" | "map" | "set" | "error";

// Built-ins that v8 stores faithfully, by exact prototype: a subclass would
// come back as its base class, so it is not in here.
const STORABLE_BY_PROTO = new Map<unknown, Storable>([
  [Date.prototype, "leaf"],
  [RegExp.prototype, "leaf"],
  [Map.prototype, "map"],
  [Set.prototype, "set"],
  [ArrayBuffer.prototype, "leaf"],
  ...BINARY_VIEW_PROTOTYPES.map((proto): [object, Storable] => [proto, "leaf"]),
  ...BOXED_PROTOTYPES.map((proto): [object, Storable] => [proto, "leaf"]),
  ...NATIVE_ERROR_PROTOTYPES.map((proto): [object, Storable] => [proto, "error"]),
]);

/** Own properties of an Error that v8 writes; any other would be lost. */
const STORED_ERROR_PROPERTIES = new Set<string | symbol>(IS_BUN ? ["message", "stack"] : ["message", "stack", "cause"]);

/** Why some well-known objects cannot be stored, with what to do instead. */
const UNSTORABLE_BY_PROTO = new Map<unknown, string>([
  [URL.prototype, "a URL (return url.href instead)"],
  [Promise.prototype, "a Promise (await it before returning)"],
  [WeakMap.prototype, "a WeakMap"],
  [WeakSet.prototype, "a WeakSet"],
  [WeakRef.prototype, "a WeakRef"],
  [Symbol.prototype, "a symbol"],
  [SharedArrayBuffer.prototype, "a SharedArrayBuffer"],
  [AggregateError.prototype, "an AggregateError (its errors would be lost)"],
]);

function checkStorable(value: unknown, walk: Walk): void {
  if (typeof value === "function") throw new ValuePathFailure("a function");
  if (typeof value === "symbol") throw new ValuePathFailure("a symbol");
  if (typeof value !== "object" || value === null || walk.seen.has(value)) return;
  walk.seen.add(value);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return checkProperties(value, walk);
  if (proto === Array.prototype) return checkArray(value as unknown[], walk);
  switch (STORABLE_BY_PROTO.get(proto)) {
    case "leaf":
      return;
    case "map":
      return checkMap(value as Map<unknown, unknown>, walk);
    case "set":
      return checkSet(value as Set<unknown>, walk);
    case "error":
      return checkError(value as Error, proto as Error, walk);
    default: {
      const known = UNSTORABLE_BY_PROTO.get(proto);
      if (known !== undefined) throw new ValuePathFailure(known);
      walk.instances.push([instanceClassId(value, proto as object), value]);
      return checkProperties(value, walk);
    }
  }
}

function checkProperties(value: object, walk: Walk): void {
  const keys = Object.keys(value);
  let i = 0;
  try {
    for (; i < keys.length; i++) checkStorable((value as Record<string, unknown>)[keys[i]!], walk);
  } catch (error) {
    prependSegment(error, () => propertySegment(keys[i]!));
  }
  // v8 drops symbol-keyed properties without a word.
  for (const symbol of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, symbol)) {
      throw new ValuePathFailure(`an object with a symbol key (${String(symbol)}), which would be lost`);
    }
  }
}

function checkArray(value: readonly unknown[], walk: Walk): void {
  let i = 0;
  try {
    for (; i < value.length; i++) checkStorable(value[i], walk);
  } catch (error) {
    prependSegment(error, () => indexSegment(i));
  }
}

function checkMap(value: Map<unknown, unknown>, walk: Walk): void {
  visitMapEntries(value, (part) => checkStorable(part, walk));
}

function checkSet(value: Set<unknown>, walk: Walk): void {
  try {
    for (const element of value) checkStorable(element, walk);
  } catch (error) {
    prependSegment(error, () => SET_ELEMENT_SEGMENT);
  }
}

function checkError(value: Error, proto: Error, walk: Walk): void {
  for (const key of Reflect.ownKeys(value)) {
    if (STORED_ERROR_PROPERTIES.has(key)) continue;
    if (key === "name" && value.name === proto.name) continue;
    throw new ValuePathFailure(
      `an Error with a property v8 does not store (${String(key)}); return { message, ${String(key)} } as plain data instead`,
    );
  }
  try {
    checkStorable(value.cause, walk);
  } catch (error) {
    prependSegment(error, () => ".cause");
  }
}
