/**
 * Whether an instance of a class can be stored, and under which class id
 * (`classes.ts`): its class is registered, every class of its prototype chain
 * is written in JavaScript without private members (`#x` cannot be read from
 * outside the class, so it would come back missing), no built-in is extended
 * (a `Map` subclass's entries would be lost), and its own properties are all
 * enumerable (v8 writes only those). Its data, the own enumerable properties,
 * is checked by the caller like a plain object's.
 */
import { classIdOf } from "./classes.js";
import { className, ValuePathFailure } from "./value-path.js";

/** Why instances of classes with this prototype cannot be stored (null: they can), by prototype. */
const chainVerdicts = new WeakMap<object, string | null>();

/**
 * The class id to write an instance under.
 * @throws ValuePathFailure saying why it cannot be stored, and how to register its class.
 */
export function instanceClassId(value: object, prototype: object): string {
  const name = className(value) || "an unnamed class";
  const id = classIdOf(prototype);
  if (id === undefined) {
    throw new ValuePathFailure(
      `an instance of ${name}, a class the cache does not know, so it would come back as a plain object ` +
        `(the build registers the top-level classes of the project that a cached function reaches, not a class declared inside a function or in a package; ` +
        `with cached(), list it: cached(fn, { classes: [${name}] }); or return plain data)`,
    );
  }
  let verdict = chainVerdicts.get(prototype);
  if (verdict === undefined) {
    verdict = chainProblem(prototype);
    chainVerdicts.set(prototype, verdict);
  }
  if (verdict !== null) throw new ValuePathFailure(`an instance of ${name}, ${verdict}`);
  const names = Object.getOwnPropertyNames(value);
  if (names.length !== Object.keys(value).length) {
    const hidden = names.find((key) => !Object.prototype.propertyIsEnumerable.call(value, key))!;
    throw new ValuePathFailure(
      `an instance of ${name} with a non-enumerable property (${hidden}), which would be lost; make it enumerable or return plain data`,
    );
  }
  return id;
}

function chainProblem(prototype: object): string | null {
  for (let proto: object | null = prototype; proto !== null && proto !== Object.prototype;) {
    const ctor: unknown = Object.getOwnPropertyDescriptor(proto, "constructor")?.value;
    if (typeof ctor === "function") {
      const source = Function.prototype.toString.call(ctor);
      const named = ctor.name || "an unnamed class";
      if (NATIVE.test(source)) {
        return `which extends ${named}, a built-in whose contents would be lost; hold the ${named} in a field instead`;
      }
      if (hasPrivateMembers(source)) {
        return (
          `whose class ${named} has private members (#…), which the cache can neither read nor restore; ` +
          `make them ordinary fields, or return plain data`
        );
      }
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return null;
}

const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

/** Comments, strings and template literals, whose `#` says nothing. */
const NOT_CODE = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\[\s\S])*`/g;

/**
 * Whether a class's source declares or reads private members: `#x`, or the
 * helpers a bundler lowers them into (esbuild's `__privateAdd`, which keeps
 * their values in a WeakMap). A `#` in a regular expression counts too: the
 * instance is then refused, never stored wrong.
 */
export function hasPrivateMembers(source: string): boolean {
  const code = source.replace(NOT_CODE, "");
  return /#[\p{ID_Start}$_]/u.test(code) || /\b__private(?:Add|Get|Set|Method|In|Wrapper)\b/.test(code);
}
