/**
 * Built-in prototypes by family, for the tables that decide how a value is
 * keyed (`key/value-kinds.ts`) and whether it can be stored (`codec.ts`).
 */

/** Binary views: Buffer, every typed array, DataView. */
export const BINARY_VIEW_PROTOTYPES: readonly object[] = [
  Buffer.prototype,
  Uint8Array.prototype,
  Int8Array.prototype,
  Uint8ClampedArray.prototype,
  Int16Array.prototype,
  Uint16Array.prototype,
  Int32Array.prototype,
  Uint32Array.prototype,
  Float32Array.prototype,
  Float64Array.prototype,
  BigInt64Array.prototype,
  BigUint64Array.prototype,
  DataView.prototype,
];

/** Boxed primitives (`new Number(1)`, `Object("x")`). */
export const BOXED_PROTOTYPES: readonly object[] = [
  Number.prototype,
  String.prototype,
  Boolean.prototype,
  BigInt.prototype,
];

/** The errors v8 serializes by name; any other comes back as a plain Error. */
export const NATIVE_ERROR_PROTOTYPES: readonly object[] = [
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
];
