/**
 * Whether a result comes back from `v8.serialize`/`v8.deserialize` as it went
 * in, and what the codec must record beside it so that it does.
 *
 * v8 silently changes some values instead of failing: a class instance comes
 * back as a plain object, an object without a prototype with
 * `Object.prototype`, a frozen object unfrozen; a URL as `{}`, an Error
 * without its `code`, a non-enumerable property or a `Date`'s own property is
 * dropped. What can be put back is listed as records (`[id, object]`): a
 * registered class's id, `NULL_PROTOTYPE`, or an integrity level. What cannot
 * makes the result unstorable, with the path of the culprit.
 */
import { IS_BUN } from "./engine.js";
import { UnstorableResultError } from "./errors.js";
import {
  className,
  indexSegment,
  prependSegment,
  propertySegment,
  SET_ELEMENT_SEGMENT,
  ValuePathFailure,
  visitMapEntries,
} from "./value-path.js";
import { instanceClassId } from "./class-instances.js";
import { BINARY_VIEW_PROTOTYPES, BOXED_PROTOTYPES, NATIVE_ERROR_PROTOTYPES } from "./builtin-prototypes.js";

/** An object to put back as it was: by a class id, or by one of the ids below (a class id never holds a NUL). */
export type ObjectRecord = [id: string, object: object];

/** The object had no prototype (`Object.create(null)`, `Object.groupBy`). */
export const NULL_PROTOTYPE = "\0null";
/** The object was frozen, sealed, or made non-extensible: applied after every prototype is back. */
export const FROZEN = "\0frozen";
export const SEALED = "\0sealed";
export const NON_EXTENSIBLE = "\0non-extensible";

/**
 * The records a result needs to come back as it went in (empty for most).
 * @throws UnstorableResultError naming the path (`result.items[2].client`).
 */
export function storableRecords(value: unknown): ObjectRecord[] {
  const walk: Walk = { seen: new Set(), records: [] };
  try {
    checkStorable(value, walk);
  } catch (error) {
    throw toUnstorable(error);
  }
  return walk.records;
}

/** One walk: the objects seen, and the records met. */
interface Walk {
  readonly seen: Set<object>;
  readonly records: ObjectRecord[];
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

type Storable = "leaf" | "bare" | "map" | "set" | "error";

// Built-ins that v8 stores faithfully, by exact prototype: a subclass would
// come back as its base class, so it is not in here.
// "bare": v8 writes the contents and no own property of the object (a view's own properties are not looked for:
// `Object.keys` of a typed array lists every index).
const STORABLE_BY_PROTO = new Map<unknown, Storable>([
  [Date.prototype, "bare"],
  [RegExp.prototype, "bare"],
  [Map.prototype, "map"],
  [Set.prototype, "set"],
  [ArrayBuffer.prototype, "bare"],
  ...BINARY_VIEW_PROTOTYPES.map((proto): [object, Storable] => [proto, "leaf"]),
  ...BOXED_PROTOTYPES.map((proto): [object, Storable] => [proto, "bare"]),
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
  // v8 writes no integrity level: a frozen object would come back mutable.
  if (!Object.isExtensible(value)) walk.records.push([integrityOf(value), value]);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    // v8 gives every object it reads Object.prototype: `"toString" in dict`, `dict.constructor` would change.
    if (proto === null) walk.records.push([NULL_PROTOTYPE, value]);
    return checkProperties(value, walk, true);
  }
  if (proto === Array.prototype) return checkArray(value as unknown[], walk);
  switch (STORABLE_BY_PROTO.get(proto)) {
    case "leaf":
      return;
    case "bare":
      return checkBare(value);
    case "map":
      checkBare(value);
      return checkMap(value as Map<unknown, unknown>, walk);
    case "set":
      checkBare(value);
      return checkSet(value as Set<unknown>, walk);
    case "error":
      return checkError(value as Error, proto as Error, walk);
    default: {
      const known = UNSTORABLE_BY_PROTO.get(proto);
      if (known !== undefined) throw new ValuePathFailure(known);
      // The instance check refuses non-enumerable properties itself.
      walk.records.push([instanceClassId(value, proto as object), value]);
      return checkProperties(value, walk, false);
    }
  }
}

function integrityOf(value: object): string {
  if (Object.isFrozen(value)) return FROZEN;
  return Object.isSealed(value) ? SEALED : NON_EXTENSIBLE;
}

function checkProperties(value: object, walk: Walk, plain: boolean): void {
  const keys = Object.keys(value);
  // v8 writes own enumerable properties only (an array's `length` is not one of its keys, so arrays skip this).
  if (plain && Object.getOwnPropertyNames(value).length !== keys.length) {
    const hidden = Object.getOwnPropertyNames(value).find(
      (key) => !Object.prototype.propertyIsEnumerable.call(value, key),
    );
    throw new ValuePathFailure(
      `an object with a non-enumerable property (${hidden}), which would be lost; make it enumerable or leave it out`,
    );
  }
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

/** A built-in v8 writes by its contents alone (a Date's time, a Map's entries): an own property would be lost. */
function checkBare(value: object): void {
  // A String object's characters are its first own keys.
  const extra = Object.keys(value)[value instanceof String ? value.length : 0];
  if (extra !== undefined) {
    const name = className(value);
    const kind = `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`;
    throw new ValuePathFailure(`${kind} with a property v8 does not store (${extra}); return it beside the ${name}`);
  }
  if (value instanceof RegExp && value.lastIndex !== 0) {
    throw new ValuePathFailure(
      `a RegExp whose lastIndex is ${value.lastIndex}, which would come back as 0; reset it first`,
    );
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
