/** Codes of `CachedFunctionError`: match on these, not on the message. */
import { CachephantError } from "@cachephant/core/scan";
export type CachedFunctionErrorCode =
  /** `cached()` got something that is not a function. */
  | "CACHEPHANT_NOT_A_FUNCTION"
  /** `cached()` got a function that is not async (or an async generator). */
  | "CACHEPHANT_NOT_ASYNC"
  /** The source of the function (or of a helper in `uses`) cannot be read: a bound or native function. */
  | "CACHEPHANT_NO_SOURCE"
  /** An unknown option, or a bad value of `uses`, `ignore`, `ttl` or `name`. */
  | "CACHEPHANT_BAD_OPTION";

/**
 * `cached(fn, options)` was called with something it cannot cache. Thrown at
 * wrap time; the message says what is wrong, then `Fix:` what to do.
 */
export class CachedFunctionError extends CachephantError {
  constructor(
    readonly code: CachedFunctionErrorCode,
    /** What is wrong, one sentence. */
    readonly reason: string,
    /** What to do about it, one sentence. */
    readonly hint: string,
  ) {
    super(`${reason}\nFix: ${hint}`);
  }
}
