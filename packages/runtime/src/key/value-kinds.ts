/**
 * What a non-plain object is, by prototype first (fast), else by brand check
 * (subclasses, objects from another realm).
 */
import { EventEmitter } from "node:events";
import { types } from "node:util";
import { BINARY_VIEW_PROTOTYPES, BOXED_PROTOTYPES } from "../builtin-prototypes.js";

export type Kind =
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
  ...BINARY_VIEW_PROTOTYPES.map((proto): [object, Kind] => [proto, "view"]),
  [ArrayBuffer.prototype, "arraybuffer"],
  [SharedArrayBuffer.prototype, "arraybuffer"],
  [URL.prototype, "url"],
  ...BOXED_PROTOTYPES.map((proto): [object, Kind] => [proto, "boxed"]),
  [Symbol.prototype, { unkeyable: "a symbol" }],
  [Promise.prototype, { unkeyable: "a Promise" }],
  [WeakMap.prototype, { unkeyable: "a WeakMap" }],
  [WeakSet.prototype, { unkeyable: "a WeakSet" }],
  [WeakRef.prototype, { unkeyable: "a WeakRef" }],
  [FinalizationRegistry.prototype, { unkeyable: "a FinalizationRegistry" }],
]);

export const INTRINSIC_PROTOS = new Set<unknown>([...KIND_BY_PROTO.keys(), Array.prototype, Error.prototype]);

export function kindOf(value: object, proto: unknown): Kind {
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
  return value instanceof ReadableStream || value instanceof WritableStream || value instanceof TransformStream;
}
