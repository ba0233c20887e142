/**
 * Packages only some features need, loaded when first used: the core's
 * normalizer (Babel) for `cached()` and for keying function values, and
 * `ioredis` for the remote tier. A production install of the runtime
 * (`npm install --omit=dev`) has neither: they are optional peer
 * dependencies, and a feature that needs a missing one says which package
 * to install, in one line.
 */
import { MissingPackageError } from "./errors.js";

/** The runtime's optional peer dependencies. */
export type OptionalPackage = "@cachephant/core" | "ioredis";

/**
 * Imports `specifier` (a module of `name`) for `feature` (named in the error).
 * @throws MissingPackageError when `name` is not installed where the runtime can resolve it.
 */
export async function importOptional<T>(name: OptionalPackage, specifier: string, feature: string): Promise<T> {
  try {
    // A variable, so that bundlers leave the import to Node at run time (the program may run where the package is absent).
    return (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as T;
  } catch (error) {
    if (isNotFound(error, name)) throw new MissingPackageError(name, feature, error);
    throw error;
  }
}

function isNotFound(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  return typeof message === "string" && message.includes(`'${name}`);
}
