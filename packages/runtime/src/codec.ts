/**
 * Results to bytes and back with `v8.serialize`/`v8.deserialize`
 * (structured-clone fidelity: Map, Set, Date, BigInt, RegExp, typed arrays,
 * Buffer, Error, shared and cyclic references).
 *
 * v8 silently changes some values instead of failing, so a result is checked
 * before it is stored (`storable.ts`): what would not come back as it went in
 * makes the result unstorable, with the path of the culprit, and what can be
 * put back is listed as records.
 *
 * The records are objects with their ids: an instance of a registered class
 * (`classes.ts`; v8 writes its own data as a plain object's), an object
 * without a prototype, a frozen, sealed or non-extensible object. They are
 * written as `CLASS_RECORDS`, then `v8.serialize([value, [[id, object], ...]])`.
 * The list holds references to the same objects, so v8 keeps shared and
 * cyclic ones as it does any object; reading gives each listed object its
 * prototype back (no constructor runs), then its integrity level. A result
 * without records is written as v8 writes it, nothing before it.
 */
import v8 from "node:v8";
import { IS_BUN } from "./engine.js";
import { UnstorableResultError } from "./errors.js";
import { classById } from "./classes.js";
import { FROZEN, NON_EXTENSIBLE, NULL_PROTOTYPE, SEALED, storableRecords } from "./storable.js";

/**
 * Bytes of a result.
 * @throws UnstorableResultError naming the path (`result.items[2].client`).
 */
export function encodeResult(value: unknown): Buffer {
  const records = storableRecords(value);
  try {
    if (records.length === 0) return v8.serialize(value);
    return Buffer.concat([CLASS_RECORDS, v8.serialize([value, records])]);
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
  const [result, records] = classRecords(value);
  // Prototypes first: an object made non-extensible cannot be given one.
  for (const [id, object] of records) {
    if (id === NULL_PROTOTYPE) Object.setPrototypeOf(object, null);
    else if (id !== FROZEN && id !== SEALED && id !== NON_EXTENSIBLE) {
      const cls = classById(id);
      if (cls === undefined) throw new Error(`its class ${id} is not registered in this process`);
      Object.setPrototypeOf(object, cls.prototype as object);
    }
  }
  for (const [id, object] of records) {
    if (id === FROZEN) Object.freeze(object);
    else if (id === SEALED) Object.seal(object);
    else if (id === NON_EXTENSIBLE) Object.preventExtensions(object);
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
