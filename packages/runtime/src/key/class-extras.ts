/**
 * What a class's source text does not show, for keys (`encode.ts`): its
 * static settings, which code may set at run time (`Pricing.rate = 10`, read
 * in a method as `Pricing.rate`), and methods replaced on its prototype since
 * (`Calc.prototype.run = function …` in another module). A class counts by its
 * source, so without these two an instance (or the class itself) keys alike
 * before and after such a change.
 */
import { type AnyFunction, NATIVE_SOURCE } from "./function-code.js";

/** What a prototype's class holds beyond its source, found on first use in the process. */
export interface ClassExtras {
  /** Its constructor, when it is a function: its own enumerable properties are its static data. */
  readonly ctor: AnyFunction | undefined;
  /** The prototype's methods its class's source does not hold (replaced since), by name. */
  readonly patched: ReadonlyArray<readonly [string, AnyFunction]>;
}

const extrasByPrototype = new WeakMap<object, ClassExtras>();

/**
 * The constructor and replaced methods of a prototype. Methods are those
 * own non-enumerable ones (as `class` syntax makes them) whose source is not
 * part of the class's source; enumerable ones are keyed with the prototype's
 * data already. Found once per prototype and process: a method replaced
 * after the first key of its class in a process is seen in the next process.
 */
export function classExtras(prototype: object): ClassExtras {
  let extras = extrasByPrototype.get(prototype);
  if (extras === undefined) {
    const ctor: unknown = Object.getOwnPropertyDescriptor(prototype, "constructor")?.value;
    extras =
      typeof ctor === "function"
        ? { ctor, patched: findPatched(prototype, Function.prototype.toString.call(ctor)) }
        : { ctor: undefined, patched: [] };
    extrasByPrototype.set(prototype, extras);
  }
  return extras;
}

/**
 * A class's static settings: its own enumerable properties whose values are
 * primitives (`static rate = 1`, `Pricing.rate = 10`), sorted by name;
 * undefined when it has none. Objects are left out: a static `Map` a class
 * keeps as a memo changes with every call computed, and would make the
 * next call's key another one.
 */
export function staticSettings(ctor: AnyFunction): Array<[string, unknown]> | undefined {
  let found: Array<[string, unknown]> | undefined;
  for (const key in ctor) {
    if (!Object.prototype.hasOwnProperty.call(ctor, key)) continue;
    const value: unknown = (ctor as unknown as Record<string, unknown>)[key];
    const type = typeof value;
    if (value === null || (type !== "object" && type !== "function" && type !== "symbol"))
      (found ??= []).push([key, value]);
  }
  return found?.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function findPatched(prototype: object, source: string): Array<[string, AnyFunction]> {
  if (!/^class\b/.test(source)) return [];
  const patched: Array<[string, AnyFunction]> = [];
  for (const name of Object.getOwnPropertyNames(prototype).sort()) {
    if (name === "constructor") continue;
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name)!;
    const value: unknown = descriptor.value;
    if (descriptor.enumerable || typeof value !== "function") continue;
    const text = Function.prototype.toString.call(value);
    if (!NATIVE_SOURCE.test(text) && !source.includes(text)) patched.push([name, value]);
  }
  return patched;
}
