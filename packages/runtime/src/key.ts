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
import { EventEmitter } from "node:events";
import { KNOWN_GLOBALS } from "@cachephant/core/globals";
import { types } from "node:util";
import { UnkeyableValueError } from "./errors.js";
import { importOptional } from "./optional-package.js";
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
import { isCachephantError } from "./error-kinds.js";

/** Every entry key starts with this, then the code hash, then the arguments' digest. */
export const ENTRY_KEY_PREFIX = "cachephant:v2:";

/**
 * Binary values up to this many bytes go into the encoding as latin1 text;
 * longer ones as their own sha256 (hashed straight from their memory, no
 * copy), so large buffers key at the hash's speed.
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
  encodings?: PartEncodings,
): string {
  const ignore = meta.ignore;
  const walk: Walk = { stack: [], mode: "args", depth0: false };
  let encoded = "";
  for (let i = 0; i < values.length; i++) {
    if (ignore !== undefined && ignore.includes(i)) {
      encoded += "_";
      encodings?.push(undefined);
      continue;
    }
    try {
      const part = encode(values[i], walk);
      encodings?.push(part);
      encoded += part;
    } catch (error) {
      throw toUnkeyable(error, meta.paths[i] ?? `args[${i}]`);
    }
  }
  let input = `${meta.hash}\n${values.length}\n${encoded}`;
  // Each encoding is self-delimiting, so these suffixes cannot be confused with more arguments.
  if (scope !== undefined && scope.length > 0) {
    const closures = meta.closures;
    input += encodeSection(
      "scope",
      scope,
      walk,
      (i) => scopePath(meta, i),
      (i) => (closures !== undefined && closures.includes(i) ? "closure" : "module"),
      meta.packageScope,
      undefined,
      encodings,
    );
  }
  if (state !== undefined && state.length > 0) {
    // Module state: values made at run time (swapped functions, filled registries).
    input += encodeSection("state", state, walk, (i) => statePath(meta, i), () => "state", meta.packageState, NOT_LOADED, encodings);
  }
  const digest = hash("sha256", input, "base64url");
  return `${ENTRY_KEY_PREFIX}${meta.hash}:${digest}`;
}

/**
 * One short digest per keyed part of a call (each argument path, each outside
 * variable, each state binding), stored with the entry it wrote so that a
 * later miss can name what differs (`key-change.ts`). Computed on the miss
 * path only, never on a hit's; the digests are of the same encodings the key
 * is made of.
 */
export function keyParts(
  meta: CachedFunctionMeta,
  values: readonly unknown[],
  scope?: readonly unknown[],
  state?: readonly unknown[],
  encodings?: PartEncodings,
): Record<string, string> {
  const parts: Record<string, string> = {};
  const digest = (encoded: string) => hash("sha256", encoded, "base64url").slice(0, KEY_PART_DIGEST_LENGTH);
  // Each part as `entryKey` encoded it (kept from that walk, or walked again the same way), so equal digests mean equal encodings.
  let at = 0;
  const part = (value: unknown, mode: KeyMode, packageMade = false) =>
    digest(encodings?.[at] ?? encode(value, { stack: [], mode, depth0: mode === "module", packageMade }));
  for (let i = 0; i < values.length; i++, at++) {
    if (meta.ignore?.includes(i)) continue;
    parts[meta.paths[i] ?? `args[${i}]`] = part(values[i], "args");
  }
  for (let i = 0; i < (scope?.length ?? 0); i++, at++) {
    parts[scopePath(meta, i)] = part(scope![i], meta.closures?.includes(i) ? "closure" : "module", meta.packageScope?.includes(i));
  }
  for (let i = 0; i < (state?.length ?? 0); i++, at++) {
    const value = state![i];
    parts[`state.${statePath(meta, i)}`] = value === NOT_LOADED ? "U" : part(value, "state", meta.packageState?.includes(i));
  }
  return parts;
}

/**
 * The encoding of each part as `entryKey` made it (arguments, then scope,
 * then state; undefined where nothing was encoded), kept for `keyParts` on
 * a miss so that a large value is walked once, not twice.
 */
export type PartEncodings = Array<string | undefined>;

/** The path of each of `PartEncodings`' places (`args[0]`, `scope.rows`, `state.src/h.ts#cache`). */
export function encodingPaths(meta: CachedFunctionMeta, values: number, scope = 0, state = 0): string[] {
  const paths: string[] = [];
  for (let i = 0; i < values; i++) paths.push(meta.paths[i] ?? `args[${i}]`);
  for (let i = 0; i < scope; i++) paths.push(scopePath(meta, i));
  for (let i = 0; i < state; i++) paths.push(`state.${statePath(meta, i)}`);
  return paths;
}

/** Enough of a sha256 to tell two values of one part apart in a debug line. */
const KEY_PART_DIGEST_LENGTH = 12;

/**
 * How a value is keyed (docs/keys.md, "Values in keys"):
 * - `args`: a parameter. A function by its source when that is all of it; a
 *   class instance by its class's code and own data; a resource (stream,
 *   event emitter, native object) or a closure makes the call unkeyable.
 * - `closure`: a closure variable of an enclosing function (made at run
 *   time): as `args`, except that a resource counts by its class name.
 * - `module`: a module binding, import or module data that never changes
 *   after load (else it is also state): a function or class itself counts by
 *   the code hash (`F`); functions nested in its data by their source (the code
 *   that made them is in the code hash); resources by their class name.
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
  const closures = meta.closures;
  for (let i = 0; i < scope.length; i++) {
    const mode: KeyMode = closures !== undefined && closures.includes(i) ? "closure" : "module";
    for (let skip = 0; skip < CLASS_KEYED_PATHS_LIMIT; skip++) {
      try {
        encode(scope[i], { stack: [], mode, depth0: mode === "module", probe: { skip, seen: 0 } });
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
function encodeSection(
  name: string,
  values: readonly unknown[],
  walk: Walk,
  pathOf: (index: number) => string,
  modeOf: (index: number) => KeyMode,
  packageMade?: readonly number[],
  notLoaded?: symbol,
  encodings?: PartEncodings,
): string {
  let encoded = `\n${name} ${values.length}\n`;
  for (let i = 0; i < values.length; i++) {
    // A module that has not run yet (state only): a tag no value has.
    if (notLoaded !== undefined && values[i] === notLoaded) {
      encoded += "U";
      encodings?.push(undefined);
      continue;
    }
    walk.mode = modeOf(i);
    walk.depth0 = walk.mode === "module";
    walk.packageMade = packageMade !== undefined && packageMade.includes(i);
    try {
      const part = encode(values[i], walk);
      encodings?.push(part);
      encoded += part;
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
  /** What is being keyed (see `KeyMode`). */
  mode: KeyMode;
  /** The value at hand is a module binding's value itself (`F` for a function or class). */
  depth0: boolean;
  /** Inside a value a package made (`meta.packageScope`, `packageState`): private fields are the package's. */
  packageMade?: boolean;
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

/**
 * Thrown by a walk that meets a function or class whose source must be
 * parsed before the parser is loaded: the caller awaits `loadSourceParser()`
 * and keys again (`runCached` does; tests await it first).
 */
export class NeedsParser extends Error {
  constructor() {
    super("the source parser is not loaded yet");
  }
}

/** What the core's scope analysis says about one source text; `undefined`: it does not parse. */
type SourceFacts = { readonly free: readonly string[]; readonly privateMembers: boolean } | undefined;

let parseSource: ((source: string) => { free: string[]; privateMembers: boolean }) | undefined;
const factsBySource = new Map<string, SourceFacts>();
/** Past this many distinct source texts (code made with `new Function`), the memo starts again. */
const FACTS_LIMIT = 10_000;

/** Loads the core's parser (`@cachephant/core/standalone`), once. */
export async function loadSourceParser(): Promise<void> {
  if (parseSource !== undefined) return;
  const core = await importOptional<typeof import("@cachephant/core/standalone")>(
    "@cachephant/core",
    "@cachephant/core/standalone",
    "keying a function or class value by its source",
  );
  parseSource = core.freeNamesOfSource;
}

function factsOf(source: string): SourceFacts {
  if (factsBySource.has(source)) return factsBySource.get(source);
  if (parseSource === undefined) throw new NeedsParser();
  let facts: SourceFacts;
  try {
    const found = parseSource(source);
    facts = { free: found.free.filter((name) => !KNOWN_GLOBALS.has(name)), privateMembers: found.privateMembers };
  } catch (error) {
    if (!isCachephantError(error)) throw error;
    facts = undefined;
  }
  if (factsBySource.size >= FACTS_LIMIT) factsBySource.clear();
  factsBySource.set(source, facts);
  return facts;
}

const NATIVE_SOURCE = /\{\s*\[native code\]\s*\}\s*$/;

/**
 * What a function is, once per function object: `head` its encoding without
 * properties; `closes` why its source is not all of it (it reads outside
 * names); `fail` why it cannot be keyed at all.
 */
interface FunctionCode {
  readonly head?: string;
  readonly closes?: string;
  readonly fail?: string;
}
/** What `typeof value === "function"` narrows to: functions and classes alike. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any function or class a value may hold
type AnyFunction = Function;

const functionCodes = new WeakMap<AnyFunction, FunctionCode>();

/** Built-in functions of the known globals (`Math.max`, `String`, `console.log`), by identity. */
let nativeFunctions: Map<unknown, string> | undefined;

function nativeNameOf(fn: AnyFunction): string | undefined {
  if (nativeFunctions === undefined) {
    nativeFunctions = new Map();
    const add = (value: unknown, name: string) => {
      if (typeof value === "function" && !nativeFunctions!.has(value)) nativeFunctions!.set(value, name);
    };
    const members = (holder: unknown, prefix: string) => {
      if ((typeof holder !== "object" && typeof holder !== "function") || holder === null) return;
      for (const key of Object.getOwnPropertyNames(holder)) {
        const descriptor = Object.getOwnPropertyDescriptor(holder, key);
        if (descriptor !== undefined && "value" in descriptor) add(descriptor.value, `${prefix}.${key}`);
      }
    };
    for (const name of KNOWN_GLOBALS) {
      const value = (globalThis as Record<string, unknown>)[name];
      add(value, name);
      members(value, name);
      if (typeof value === "function") members((value as { prototype?: unknown }).prototype, `${name}.prototype`);
    }
  }
  return nativeFunctions.get(fn);
}

function functionCodeOf(fn: AnyFunction): FunctionCode {
  let code = functionCodes.get(fn);
  if (code === undefined) {
    code = computeFunctionCode(fn);
    functionCodes.set(fn, code);
  }
  return code;
}

function computeFunctionCode(fn: AnyFunction): FunctionCode {
  const source = Function.prototype.toString.call(fn);
  if (NATIVE_SOURCE.test(source)) {
    const native = nativeNameOf(fn);
    if (native !== undefined) return { head: `N${native.length}:${native}` };
    return {
      fail: fn.name.startsWith("bound ")
        ? "a bound function; the key cannot see what it is bound to"
        : "a native function the key does not know",
    };
  }
  const prototype: unknown = (fn as { prototype?: unknown }).prototype;
  if (/^class\b/.test(source) && typeof prototype === "object" && prototype !== null) {
    // A class by its code: its source and its superclasses' (what its methods reach is not read).
    const chain = chainCode(prototype);
    if (chain.code !== undefined) return { head: `G${chain.code}` };
    return { head: `G${source.length}:${source}` };
  }
  const facts = factsOf(source);
  const head = `G${source.length}:${source}`;
  if (facts === undefined) return { head, fail: "a function whose source cannot be read" };
  if (facts.free.length === 0) return { head };
  const names = facts.free.join(", ");
  return { head, closes: `a function that closes over ${names}; the key cannot see ${facts.free.length === 1 ? "its value" : "their values"}` };
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

/** A class instance's class, once per prototype: its code, or why it cannot be keyed. */
type ClassCode =
  | string
  /** `publicCode`: the chain's code where only private members (`#x`) stood in the way. */
  | { readonly reason: string; readonly resource: boolean; readonly publicCode?: string };
const classCodes = new WeakMap<object, ClassCode>();

function classCodeOf(proto: object): ClassCode {
  let code = classCodes.get(proto);
  if (code === undefined) {
    const chain = chainCode(proto);
    code =
      chain.code !== undefined && chain.reason === undefined
        ? chain.code
        : { reason: chain.reason!, resource: chain.resource === true, ...(chain.code !== undefined ? { publicCode: chain.code } : {}) };
    classCodes.set(proto, code);
  }
  return code;
}

/**
 * The sources of the classes up a prototype chain, to the first built-in
 * prototype (`toString` of a `class` covers all its methods). A class whose
 * source declares private members (`#x`), which the runtime cannot read, and
 * a native class fail.
 */
function chainCode(proto: object): { code?: string; reason?: string; resource?: boolean } {
  let parts = "";
  let count = 0;
  let privateReason: string | undefined;
  for (let p: object | null = proto; p !== null && p !== Object.prototype && !INTRINSIC_PROTOS.has(p); p = Object.getPrototypeOf(p) as object | null) {
    const ctor: unknown = Object.getOwnPropertyDescriptor(p, "constructor")?.value;
    count++;
    if (typeof ctor !== "function") {
      parts += "-";
      continue;
    }
    const source = Function.prototype.toString.call(ctor);
    const name = ctor.name || "an anonymous class";
    if (NATIVE_SOURCE.test(source)) {
      return { reason: `an instance of ${name}, a native class whose data the key cannot read`, resource: true };
    }
    if (source.includes("#") && factsOf(source)?.privateMembers === true) {
      privateReason ??= `an instance of ${name}, whose private fields (#…) the key cannot read`;
    }
    parts += `${source.length}:${source}`;
  }
  return { code: `${count};${parts}`, ...(privateReason !== undefined ? { reason: privateReason } : {}) };
}

function toUnkeyable(error: unknown, basePath: string): UnkeyableValueError {
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
    // A resource: a client, a connection, a stream. Outside the arguments, its class is what counts.
    if (walk.mode !== "args") return byClass(value, className(value), walk);
    throw new ValuePathFailure(kind.unkeyable);
  }
  if (kind === "instance") {
    let code = classCodeOf(proto as object);
    if (typeof code !== "string") {
      if (code.resource && walk.mode !== "args") return byClass(value, className(value), walk);
      // A package's object (a client): its class's code and public data count; its private fields are the package's.
      if (code.publicCode === undefined || walk.packageMade !== true) throw new ValuePathFailure(code.reason);
      code = code.publicCode;
    }
    // Data: by its class's code (and methods assigned to its prototypes since) and own enumerable data.
    let encoded = `c${code}`;
    for (let p: object | null = proto as object; p !== null && !INTRINSIC_PROTOS.has(p); p = Object.getPrototypeOf(p) as object | null) {
      if (Object.keys(p).length > 0) encoded += encodeProperties("p", p, walk);
    }
    return encoded + encodeProperties("o", value, walk);
  }
  const builtin = encodeBuiltin(kind, value, walk);
  if (INTRINSIC_PROTOS.has(proto)) return builtin;
  // A subclass of a built-in (class Tags extends Set) keys apart from the built-in, by its code
  // (an error subclass by its name: its chain has native classes such as TypeError).
  const code = kind === "error" ? undefined : classCodeOf(proto as object);
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
