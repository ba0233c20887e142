/**
 * The classes whose instances a result may hold: each registered under a
 * stable id, so an instance is written as that id plus its own data and comes
 * back, on a hit, as an instance of the same class (`codec.ts`).
 *
 * Ids: the build registers a class as `<file>#<name>@<hash>` (the file that
 * declares it, relative to the project root; its name there; the hash of its
 * own normalized code), so two classes named `Point` in two files never share
 * an id, and an edited class no longer finds the instances written by its old
 * code (the entry is computed again). `cached(fn, { classes: [Point] })`
 * has no file to go by: `<name>@<hash of its source text>`.
 *
 * Registrations are getters (`{ "src/point.ts#Point@…": () => Point }`), put
 * first in a module, before its classes are declared: they are read only when
 * a result is written or read.
 */
import { createHash } from "node:crypto";

type ClassGetter = () => unknown;
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any class
export type AnyClass = Function & { prototype: object };

// Shared by every copy of the runtime in the process (a bundled copy, Vite's module runner); a CommonJS module registers straight into it.
const REGISTRY = Symbol.for("cachephant.classes");
const registry: Map<string, ClassGetter> = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??= new Map()) as Map<
  string,
  ClassGetter
>;

/** Ids by prototype, for the classes whose getters were read. */
const idsByPrototype = new WeakMap<object, string>();

/**
 * Called by code the build step puts first in a module with cached functions;
 * not meant to be called by hand (`cached()` takes `classes: [...]`).
 * @param classes a getter per class, by id. A module evaluated again (a dev
 *   server's update) replaces its getters.
 */
export function registerClasses(classes: Readonly<Record<string, ClassGetter>>): void {
  for (const [id, getter] of Object.entries(classes)) registry.set(id, getter);
}

/** Registers a class for `cached()`, under its name and the hash of its source text; returns the id. */
export function registerClassBySource(cls: AnyClass): string {
  const source = Function.prototype.toString.call(cls);
  const id = `${cls.name || "anonymous"}@${createHash("sha256").update(source).digest("hex").slice(0, 16)}`;
  registry.set(id, () => cls);
  idsByPrototype.set(cls.prototype as object, id);
  return id;
}

/** The id of the class whose prototype this is; undefined when no registration names it. */
export function classIdOf(prototype: object): string | undefined {
  const known = idsByPrototype.get(prototype);
  if (known !== undefined) return known;
  // A class not seen yet: read the getters (a module may have loaded, or an id been replaced, since the last look).
  for (const [id, getter] of registry) {
    const cls = readGetter(getter);
    if (cls !== undefined && !idsByPrototype.has(cls.prototype as object))
      idsByPrototype.set(cls.prototype as object, id);
  }
  return idsByPrototype.get(prototype);
}

/** The class registered under `id` in this process, if its module has loaded. */
export function classById(id: string): AnyClass | undefined {
  const getter = registry.get(id);
  return getter === undefined ? undefined : readGetter(getter);
}

function readGetter(getter: ClassGetter): AnyClass | undefined {
  let value: unknown;
  try {
    value = getter();
  } catch (error) {
    // Read before its module declared it (the class is in its temporal dead zone): not there yet.
    if (error instanceof ReferenceError) return undefined;
    throw error;
  }
  return isClass(value) ? value : undefined;
}

/** A constructor with a prototype object (a class, or a function used as one). */
export function isClass(value: unknown): value is AnyClass {
  return (
    typeof value === "function" &&
    typeof (value as { prototype?: unknown }).prototype === "object" &&
    (value as { prototype?: unknown }).prototype !== null
  );
}
