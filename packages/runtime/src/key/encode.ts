/**
 * The canonical encoding of a value, for the entry key of one call.
 *
 * One recursive pass appends the encoding to the walk (`walk.ts`), with a
 * type tag and a length before every variable-length part, so no two
 * different values encode alike. A short part stays a string (appending is
 * cheap in V8, and one-shot `crypto.hash` over the key's input costs well
 * under a microsecond); a long one is fed to a sha256 in chunks as it is
 * walked, long strings and binary data straight from their memory, and keys
 * by its length and digest (`PART_TEXT_LIMIT`).
 *
 * Tags: u undefined, z null, t/f booleans, n number, i bigint, s string (S: one
 * with lone surrogates, as JSON), a array, o plain object (O: one without a
 * prototype), c class instance
 * (its class's code C, then per class its prototype's data p, static
 * settings K and methods replaced on its prototype Q, then own data), d Date, r RegExp, m Map, e Set (both in
 * iteration order; P before a built-in's own properties, L before a RegExp's
 * lastIndex, each only when there are any), b binary (w before it: a view keyed by its whole buffer,
 * its offset and length first, when the function may read past the view:
 * `meta.viewBuffers`), l URL, x boxed primitive, E error, ^
 * back-reference to an enclosing object (cycles), _ an ignored parameter, G a
 * function or class by its source, then its own properties (o) and its
 * prototype's (p), N a built-in function by its global name, H a long part by
 * its digest. Scope and state only: F a module-level function or class of the
 * project (its code is in the code hash), k a resource (an event emitter, a
 * stream, an instance of a native class) keyed by its class name only (see
 * `Walk`). Inside a value a package made (`packageMade`): B a bound or native
 * function of the package, by its name. State only: U a module that has not
 * run yet (see `state.ts`).
 *
 * A function's source describes it fully only when it reads nothing from
 * outside but known globals: the free names come from the core's scope
 * analysis (`@cachephant/core/standalone`, loaded on the first function or
 * class that needs it: `NeedsParser`), memoized per source text and per
 * function object.
 */
import { types } from "node:util";
import { className, indexSegment, prependSegment, propertySegment, ValuePathFailure } from "../value-path.js";
import { classExtras, staticSettings } from "./class-extras.js";
import { type AnyFunction, errorClassText, functionCodeOf, usableClassCode } from "./function-code.js";
import { writeBuiltin, type Writers } from "./builtins.js";
import { keysInOrder } from "./shapes.js";
import { sizedText } from "./text.js";
import { INTRINSIC_PROTOS, kindOf } from "./value-kinds.js";
import {
  byClass,
  feedLong,
  finishPart,
  flush,
  type KeyMode,
  newWalk,
  PART_TEXT_LIMIT,
  toUnkeyable,
  type Walk,
  wellFormed,
} from "./walk.js";

/**
 * The canonical encoding of one value (exported for tests: two values key
 * alike exactly when their encodings are equal).
 * @throws UnkeyableValueError with `path` as the value's own path.
 */
export function canonicalEncoding(value: unknown, path = "value", mode: KeyMode = "args"): string {
  try {
    return encodePart(value, newWalk(mode));
  } catch (error) {
    throw toUnkeyable(error, path);
  }
}

/** The encoding of one part (an argument, a scope or state value) on a walk set up for it (`resetWalk`). */
export function encodePart(value: unknown, walk: Walk): string {
  write(value, walk);
  return finishPart(walk);
}

/** Functions and classes among scope values: their code is already in the code hash. */
const FUNCTION_TOKEN = "F";

/** What built-ins call back for the values they hold. */
const WRITERS: Writers = { value: write, array: writeArray, properties: writeProperties };

/** Appends `value`'s encoding to the walk. */
function write(value: unknown, walk: Walk): void {
  switch (typeof value) {
    case "string":
      // A lone surrogate would hash as U+FFFD (UTF-8), like any other: such strings go as JSON, which escapes it.
      if (!wellFormed(value)) {
        const json = JSON.stringify(value);
        walk.out += `S${json.length}:${json}`;
      } else if (value.length > PART_TEXT_LIMIT) {
        walk.out += `s${value.length}:`;
        feedLong(walk, value);
      } else walk.out += `s${value.length}:${value}`;
      return;
    case "number":
      // String() is canonical for numbers (NaN is always "NaN") except that it drops the sign of -0.
      walk.out += value === 0 && 1 / value < 0 ? "n-0;" : `n${value};`;
      return;
    case "boolean":
      walk.out += value ? "t" : "f";
      return;
    case "undefined":
      walk.out += "u";
      return;
    case "bigint":
      walk.out += `i${value};`;
      return;
    case "object":
      if (value === null) walk.out += "z";
      else {
        walk.depth0 = false;
        writeObject(value, walk);
      }
      return;
    case "function":
      if (walk.depth0) {
        // A module binding that is a function or class: its code is in the code hash.
        walk.depth0 = false;
        walk.out += FUNCTION_TOKEN;
      } else writeFunction(value, walk);
      return;
    default:
      if (walk.mode === "args") throw new ValuePathFailure("a symbol");
      walk.out += byClass("Symbol", walk);
  }
}

/**
 * A function: by its source when that is all of it (it reads nothing from
 * outside but known globals), then its own enumerable properties and its
 * prototype's; a built-in by its name. In a module binding's data (`module`
 * mode), whose making code is in the code hash, by its source alone.
 */
function writeFunction(fn: AnyFunction, walk: Walk): void {
  const stack = walk.stack;
  const openAt = stack.indexOf(fn);
  if (openAt !== -1) {
    walk.out += `^${openAt};`;
    return;
  }
  const code = functionCodeOf(fn);
  // Inside a package's object (a client's methods, its fetch): the package's own code, versioned by the
  // code hash; what it closes over, and a bound or native function's target, is the package's own state.
  const packaged = walk.packageMade === true;
  if (code.fail !== undefined && !packaged) throw new ValuePathFailure(code.fail);
  if (code.closes !== undefined && walk.mode !== "module" && !packaged) throw new ValuePathFailure(code.closes);
  stack.push(fn);
  walk.out += code.head ?? `B${fn.name.length}:${fn.name}`;
  writeProperties("o", fn, walk);
  const prototype: unknown = (fn as { prototype?: unknown }).prototype;
  if (typeof prototype === "object" && prototype !== null) {
    if (Object.keys(prototype).length > 0) writeProperties("p", prototype, walk);
    writeReplacedMethods(prototype, walk);
  }
  stack.pop();
}

/**
 * What a class's source does not show (`class-extras.ts`), once per class in
 * a part: its static settings (K, primitives) and the methods replaced on
 * its prototype (Q).
 */
function writeClassExtras(prototype: object, walk: Walk): void {
  const seen = (walk.classes ??= new Set());
  if (seen.has(prototype)) return;
  seen.add(prototype);
  const { ctor } = classExtras(prototype);
  const settings = ctor === undefined ? undefined : staticSettings(ctor);
  if (settings !== undefined) {
    walk.out += `K${settings.length}:`;
    for (const [name, value] of settings) {
      walk.out += sizedText(name);
      write(value, walk);
    }
  }
  writeReplacedMethods(prototype, walk);
}

/** Replaced methods (Q) count by their source, as functions in module data do: module code replaced them. */
function writeReplacedMethods(prototype: object, walk: Walk): void {
  const replaced = classExtras(prototype).patched;
  if (replaced.length === 0) return;
  walk.out += `Q${replaced.length}:`;
  const mode = walk.mode;
  walk.mode = "module";
  const depth0 = walk.depth0;
  walk.depth0 = false;
  let at = "";
  try {
    for (const [name, method] of replaced) {
      at = name;
      walk.out += sizedText(name);
      writeFunction(method, walk);
    }
  } catch (error) {
    prependSegment(error, () => `.prototype.${at}`);
  } finally {
    walk.mode = mode;
    walk.depth0 = depth0;
  }
}

function writeObject(value: object, walk: Walk): void {
  // Cycles: an object already open on the way down is written as its depth.
  const stack = walk.stack;
  const openAt = stack.indexOf(value);
  if (openAt !== -1) {
    walk.out += `^${openAt};`;
    return;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  // A module namespace has no prototype either, but is a module, not data.
  if (proto === null && walk.mode !== "args" && isModuleNamespace(value)) {
    walk.out += byClass("Module", walk);
    return;
  }
  stack.push(value);
  if (proto === Object.prototype) writeProperties("o", value, walk);
  // Without a prototype (`Object.create(null)`, `Object.groupBy`): `in`, `.constructor`, `.toString` tell it apart.
  else if (proto === null) writeProperties("O", value, walk);
  else if (proto === Array.prototype) writeArray(value as unknown[], walk);
  else writeOther(value, proto, walk);
  stack.pop();
}

/** A real module namespace, or the frozen `[Symbol.toStringTag]: "Module"` object bundlers such as Rollup make of one. */
function isModuleNamespace(value: object): boolean {
  return (value as Record<symbol, unknown>)[Symbol.toStringTag] === "Module" || types.isModuleNamespaceObject(value);
}

/** Own enumerable string keys in sorted order: `o<count>:` then `<length>:<key><value>` each. */
function writeProperties(tag: string, value: object, walk: Walk): void {
  const shape = keysInOrder(Object.keys(value));
  const keys = shape.keys;
  const heads = shape.heads;
  walk.out += tag === "o" ? shape.opening : `${tag}${keys.length}:`;
  let i = 0;
  try {
    for (; i < keys.length; i++) {
      walk.out += heads[i]!;
      write((value as Record<string, unknown>)[keys[i]!], walk);
      if (walk.out.length > PART_TEXT_LIMIT) flush(walk);
    }
  } catch (error) {
    prependSegment(error, () => propertySegment(keys[i]!));
  }
}

function writeArray(value: readonly unknown[], walk: Walk): void {
  walk.out += `a${value.length}:`;
  let i = 0;
  try {
    // Holes read as undefined, like the function itself would see them.
    for (; i < value.length; i++) {
      write(value[i], walk);
      if (walk.out.length > PART_TEXT_LIMIT) flush(walk);
    }
  } catch (error) {
    prependSegment(error, () => indexSegment(i));
  }
}

function writeOther(value: object, proto: unknown, walk: Walk): void {
  const kind = kindOf(value, proto);
  if (typeof kind === "object") {
    // A resource: a client, a connection, a stream. Outside the arguments, its class is what counts.
    if (walk.mode === "args") throw new ValuePathFailure(kind.unkeyable);
    walk.out += byClass(className(value), walk);
    return;
  }
  if (kind === "instance") {
    // A package's object (a client): its class's code and public data count; its private fields are the package's.
    const code = usableClassCode(proto as object, walk.mode === "module", walk.packageMade === true);
    if (typeof code !== "string") {
      if (code.resource && walk.mode !== "args") {
        walk.out += byClass(className(value), walk);
        return;
      }
      throw new ValuePathFailure(code.reason);
    }
    // Data: by its class's code (and methods assigned to its prototypes since) and own enumerable data.
    walk.out += `c${code}`;
    for (
      let p: object | null = proto as object;
      p !== null && !INTRINSIC_PROTOS.has(p);
      p = Object.getPrototypeOf(p) as object | null
    ) {
      if (Object.keys(p).length > 0) writeProperties("p", p, walk);
      writeClassExtras(p, walk);
    }
    writeProperties("o", value, walk);
    return;
  }
  if (!INTRINSIC_PROTOS.has(proto)) {
    // A subclass of a built-in (class Tags extends Set) keys apart from the built-in, by its code
    // (an error subclass by its classes' text, or its name when a class in the chain is native).
    const code =
      kind === "error"
        ? errorClassText(proto as object)
        : usableClassCode(proto as object, walk.mode === "module", walk.packageMade === true);
    if (typeof code === "string") walk.out += `c${code}`;
    else if (code !== undefined && !code.resource) throw new ValuePathFailure(code.reason);
    else {
      const name = className(value);
      walk.out += `c${name.length}:${name}`;
    }
  }
  writeBuiltin(kind, value, walk, WRITERS);
}
