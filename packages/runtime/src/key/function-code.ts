/**
 * How a function or class value counts in a key: by its source when it reads
 * nothing from outside but known globals (free names from the core's scope
 * analysis, loaded on first need: `NeedsParser`), by its global name when
 * built in.
 */
import { KNOWN_GLOBALS } from "@cachephant/core/globals";
import { isCachephantError } from "@cachephant/core/scan";
import { importOptional } from "../optional-package.js";
import { sizedText } from "./text.js";
import { INTRINSIC_PROTOS } from "./value-kinds.js";

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
type SourceFacts =
  | {
      readonly free: readonly string[];
      readonly privateMembers: boolean;
      /** A class: what its body reads from outside its text, known globals left out. */
      readonly classReads?: readonly string[];
    }
  | undefined;

let parseSource: ((source: string) => { free: string[]; privateMembers: boolean; classReads?: string[] }) | undefined;

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
    const known = (name: string) => !KNOWN_GLOBALS.has(name);
    facts = {
      free: found.free.filter(known),
      privateMembers: found.privateMembers,
      ...(found.classReads !== undefined ? { classReads: found.classReads.filter(known) } : {}),
    };
  } catch (error) {
    if (!isCachephantError(error)) throw error;
    facts = undefined;
  }
  if (factsBySource.size >= FACTS_LIMIT) factsBySource.clear();
  factsBySource.set(source, facts);
  return facts;
}

export const NATIVE_SOURCE = /\{\s*\[native code\]\s*\}\s*$/;

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
export type AnyFunction = Function;

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

export function functionCodeOf(fn: AnyFunction): FunctionCode {
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
    // A class by its code: its source and its superclasses'; what their methods read from outside is not in it.
    const chain = chainCode(prototype);
    const head = chain.code !== undefined ? `G${chain.code}` : `G${sizedText(source)}`;
    return chain.outside !== undefined ? { head, closes: `a class ${chain.outside}` } : { head };
  }
  const facts = factsOf(source);
  const head = `G${sizedText(source)}`;
  if (facts === undefined) return { head, fail: "a function whose source cannot be read" };
  if (facts.free.length === 0) return { head };
  const names = facts.free.join(", ");
  return {
    head,
    closes: `a function that closes over ${names}; the key cannot see ${facts.free.length === 1 ? "its value" : "their values"}`,
  };
}

/** A class instance's class, once per prototype: its code, or why it cannot be keyed. */
type ClassCode =
  | string
  | {
      readonly reason: string;
      readonly resource: boolean;
      /** The chain's code where only private members (`#x`) or reads from outside the classes stood in the way. */
      readonly publicCode?: string;
      /** Only reads from outside the classes stood in the way (no private members, nothing native). */
      readonly outsideOnly?: boolean;
    };

const classCodes = new WeakMap<object, ClassCode>();
/** The same without looking at what the classes read from outside (no parse unless a source has `#`). */
const classTextCodes = new WeakMap<object, ClassCode>();

export function classCodeOf(proto: object, checkOutside = true): ClassCode {
  const memo = checkOutside ? classCodes : classTextCodes;
  let code = memo.get(proto);
  if (code === undefined) {
    const chain = chainCode(proto, checkOutside);
    const outside = chain.outside !== undefined ? `an instance of ${chain.outside}` : undefined;
    code =
      chain.code !== undefined && chain.reason === undefined && outside === undefined
        ? chain.code
        : {
            reason: chain.reason ?? outside!,
            resource: chain.resource === true,
            ...(chain.code !== undefined ? { publicCode: chain.code } : {}),
            ...(chain.reason === undefined && chain.code !== undefined ? { outsideOnly: true } : {}),
          };
    memo.set(proto, code);
  }
  return code;
}

/**
 * The code an instance's class counts by where it is met, or why it cannot be keyed. A class whose methods read
 * names from outside its text counts by its code only in a module binding's data (the code that made it is in
 * the code hash) and in a package's object (the package's version is); private members only in a package's.
 */
export function usableClassCode(proto: object, inModuleData: boolean, packageMade: boolean): ClassCode {
  // There what the methods read from outside does not matter: the class is not parsed for it (nor the parser loaded).
  const code = classCodeOf(proto, !inModuleData && !packageMade);
  if (typeof code === "string" || code.publicCode === undefined) return code;
  if (packageMade || (inModuleData && code.outsideOnly === true)) return code.publicCode;
  return code;
}

/**
 * The sources of the classes up a prototype chain, to the first built-in
 * prototype (`toString` of a `class` covers all its methods). A class whose
 * source declares private members (`#x`), which the runtime cannot read, and
 * a native class fail. `outside` names the first class whose body reads
 * names from outside its text (other than known globals): its source does
 * not show their values or code (`Cart, whose methods read rate, round …`).
 */
function chainCode(
  proto: object,
  checkOutside = true,
  /** Whether a source with `#` is parsed for private members (an error's chain is not). */
  checkPrivate = true,
): { code?: string; reason?: string; resource?: boolean; outside?: string } {
  let parts = "";
  let count = 0;
  let privateReason: string | undefined;
  let outside: string | undefined;
  for (
    let p: object | null = proto;
    p !== null && p !== Object.prototype && !INTRINSIC_PROTOS.has(p);
    p = Object.getPrototypeOf(p) as object | null
  ) {
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
    if (/^class\b/.test(source) && (checkOutside || (checkPrivate && source.includes("#")))) {
      const facts = factsOf(source);
      if (source.includes("#") && facts?.privateMembers === true) {
        privateReason ??= `an instance of ${name}, whose private fields (#…) the key cannot read`;
      }
      const reads = checkOutside ? (facts?.classReads ?? []) : [];
      if (reads.length > 0) outside ??= outsideReads(name, reads);
    }
    parts += sizedText(source);
  }
  return {
    code: `${count};${parts}`,
    ...(privateReason !== undefined ? { reason: privateReason } : {}),
    ...(outside !== undefined ? { outside } : {}),
  };
}

const errorTexts = new WeakMap<object, string | null>();

/**
 * An error subclass's chain as text (its classes' sources up to the built-in
 * error), without parsing: neither what its methods read nor its private
 * members are looked at, as for the built-in errors themselves. Undefined
 * when a class in the chain is native (an engine's or a host's error
 * class): then its name counts.
 */
export function errorClassText(proto: object): string | undefined {
  let text = errorTexts.get(proto);
  if (text === undefined) {
    const chain = chainCode(proto, false, false);
    text = chain.reason === undefined && chain.code !== undefined ? chain.code : null;
    errorTexts.set(proto, text);
  }
  return text ?? undefined;
}

/** `Cart, whose methods read rate and round from outside the class; the key cannot see them`. */
function outsideReads(name: string, reads: readonly string[]): string {
  const listed = reads.length === 1 ? reads[0]! : `${reads.slice(0, -1).join(", ")} and ${reads.at(-1)!}`;
  return `${name}, whose methods read ${listed} from outside the class; the key cannot see ${reads.length === 1 ? "its value or code" : "their values or code"}`;
}
