/**
 * Paths inside a value (`.logger`, `[3]`, `.get("a")`) for the warnings of
 * the keyer and the codec. Both walk a value recursively and only build a
 * path when they fail: the failure is thrown from the bad value and each
 * container on the way out prepends its segment, so the happy path pays
 * nothing for paths.
 */

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Thrown by a walk at the bad value; containers prepend their segment. */
export class ValuePathFailure {
  segments: string[] = [];
  constructor(readonly reason: string) {}
  get suffix(): string {
    return this.segments.join("");
  }
}

/** Rethrows `error` after prepending `segment` when it is a walk failure. */
export function prependSegment(error: unknown, segment: () => string): never {
  if (error instanceof ValuePathFailure) error.segments.unshift(segment());
  throw error;
}

export function propertySegment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

export function indexSegment(index: number): string {
  return `[${index}]`;
}

/** `.get("a")` for a Map value under a primitive key, `.get(…)` otherwise. */
export function mapValueSegment(key: unknown): string {
  return `.get(${describeKey(key)})`;
}

export const MAP_KEY_SEGMENT = "<map key>";
export const SET_ELEMENT_SEGMENT = "<set element>";

/**
 * Visits a Map's keys and values in iteration order, each entry's key
 * first; a failure inside is prefixed with where it happened (a key, or the
 * value at a key). `afterEntry` runs after each entry.
 */
export function visitMapEntries(
  map: Map<unknown, unknown>,
  visit: (value: unknown) => void,
  afterEntry?: () => void,
): void {
  let onKey = true;
  let currentKey: unknown;
  try {
    for (const [key, item] of map) {
      currentKey = key;
      onKey = true;
      visit(key);
      onKey = false;
      visit(item);
      afterEntry?.();
    }
  } catch (error) {
    prependSegment(error, () => (onKey ? MAP_KEY_SEGMENT : mapValueSegment(currentKey)));
  }
}

function describeKey(key: unknown): string {
  switch (typeof key) {
    case "string":
      return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
    case "number":
    case "boolean":
    case "undefined":
      return String(key);
    case "bigint":
      return `${key}n`;
    default:
      return key === null ? "null" : "…";
  }
}

/** The constructor name of an object's class, or "" when it has none. */
export function className(value: object): string {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null || typeof proto !== "object") return "";
  const ctor: unknown = Object.getOwnPropertyDescriptor(proto, "constructor")?.value;
  return typeof ctor === "function" && typeof ctor.name === "string" ? ctor.name : "";
}
