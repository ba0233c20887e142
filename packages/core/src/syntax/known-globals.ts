/**
 * The globals a function may read and still be
 * fully described by its source text. The runtime keys a function value
 * (an argument, a closure's data, module state) by its source only when every
 * other name it reads from outside is one of these; `cached()` warns at wrap
 * time about a free name that is neither one of these nor in `uses`.
 *
 * Like globals read by a cached function itself (docs/keys.md, "Not
 * tracked"), their values are not part of any key: the standard built-ins
 * are fixed, and `process`, `fetch`, the clock are the documented exceptions.
 */
export const KNOWN_GLOBALS: ReadonlySet<string> = new Set([
  // ECMAScript values and functions
  "undefined", "NaN", "Infinity", "globalThis",
  "isFinite", "isNaN", "parseFloat", "parseInt",
  "decodeURI", "decodeURIComponent", "encodeURI", "encodeURIComponent", "escape", "unescape",
  // ECMAScript constructors and namespaces
  "Object", "Function", "Boolean", "Symbol", "Error", "AggregateError", "EvalError", "RangeError",
  "ReferenceError", "SyntaxError", "TypeError", "URIError", "Number", "BigInt", "Math", "Date",
  "String", "RegExp", "Array", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array",
  "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array",
  "BigUint64Array", "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry",
  "ArrayBuffer", "SharedArrayBuffer", "DataView", "Atomics", "JSON", "Promise", "Reflect", "Proxy",
  "Intl",
  // Web and Node globals (not tracked, as in a cached function's own body)
  "console", "process", "Buffer", "URL", "URLSearchParams", "TextEncoder", "TextDecoder",
  "AbortController", "AbortSignal", "Blob", "fetch", "Headers", "Request", "Response", "FormData",
  "structuredClone", "queueMicrotask", "setTimeout", "clearTimeout", "setInterval", "clearInterval",
  "setImmediate", "clearImmediate", "performance", "crypto", "atob", "btoa", "Event", "EventTarget",
]);
