/**
 * Errors of the runtime. Each has a stable `code` that callers and tests can
 * match on; messages may change wording.
 */
import { CachephantError } from "@cachephant/core/scan";

/** A value at a path of a call's inputs or result that the cache cannot handle, and why. */
abstract class ValueAtPathError extends CachephantError {
  constructor(
    /** Where the value sits, in the caller's terms: `args[1].logger`, `result.items[2].client`. */
    readonly path: string,
    /** What the value is: `a function`, `a Promise`, `an instance of Client`. */
    readonly reason: string,
  ) {
    super(`${path} is ${reason}`);
  }
}

/** A value among a cached function's inputs that cannot be part of a key. */
export class UnkeyableValueError extends ValueAtPathError {
  readonly code = "CACHEPHANT_UNKEYABLE";
}

/** A result the store cannot keep faithfully (it would come back changed). */
export class UnstorableResultError extends ValueAtPathError {
  readonly code = "CACHEPHANT_UNSTORABLE";
}

/** A setting (environment variable, `configure()` option, plugin option) with a bad value. */
export class ConfigError extends CachephantError {
  readonly code = "CACHEPHANT_BAD_CONFIG";
}

/**
 * The build's `scope()` thunk threw while reading the variables a cached
 * function uses from outside its body: typically one is still in its
 * temporal dead zone (the function was called while its module was loading).
 */
export class UnreadableScopeError extends CachephantError {
  readonly code = "CACHEPHANT_UNREADABLE_SCOPE";
  constructor(cause: unknown) {
    super(
      `the variables it reads from outside its body could not be read (${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    );
  }
}

/**
 * A module whose changing bindings a cached function reads has not handed
 * them to the runtime: it was not rewritten by the build step, or it has not
 * finished loading. The call runs uncached rather than risk an old result.
 */
export class MissingStateError extends CachephantError {
  readonly code = "CACHEPHANT_MISSING_STATE";
  constructor(
    readonly file: string,
    readonly binding: string,
  ) {
    super(
      `the current value of \`${binding}\` in ${file} is not available (that module was not rewritten by the Cachephant build step, or has not initialized it yet)`,
    );
  }
}

/**
 * Recording or checking a call's run-time inputs failed inside the runtime
 * (a fault of Cachephant, not of the call): the result is returned but not
 * stored, or the hit is taken for a miss.
 */
export class InputsFaultError extends CachephantError {
  readonly code = "CACHEPHANT_INPUTS_FAULT";
  constructor(
    /** `recording` (after the call computed) or `checking` (on a hit). */
    readonly stage: "recording" | "checking",
    cause: unknown,
  ) {
    super(`${stage} its run-time inputs failed (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
}

/**
 * A feature needs a package that is not installed: the runtime's optional
 * peer dependencies (`@cachephant/core` for `cached()`, `ioredis` for the
 * remote tier), left out of production installs.
 */
export class MissingPackageError extends CachephantError {
  readonly code = "CACHEPHANT_MISSING_PACKAGE";
  constructor(
    /** The package to install: `@cachephant/core`, `ioredis`. */
    readonly packageName: string,
    /** What needs it: `cached()`, `the remote tier`. */
    readonly feature: string,
    cause?: unknown,
  ) {
    super(`${feature} needs the package ${packageName}, which is not installed: run npm install ${packageName}`, {
      cause,
    });
  }
}

/**
 * `cachephant explain` named no cached function, or several: `candidates`
 * lists them as `file:name` (the nearest ones when none matched).
 */
export class FunctionLookupError extends CachephantError {
  constructor(
    readonly code: "CACHEPHANT_NO_SUCH_FUNCTION" | "CACHEPHANT_AMBIGUOUS_FUNCTION",
    message: string,
    readonly candidates: readonly string[],
  ) {
    super(message);
  }
}

/** Another process held the store's prune lock for longer than a prune waits for it. */
export class StoreBusyError extends CachephantError {
  readonly code = "CACHEPHANT_STORE_BUSY";
}
