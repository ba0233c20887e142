/**
 * Stable codes of build errors. Plugins and tests match on these, never on
 * the message text, so the wording can improve without breaking anyone.
 */
export type CachephantErrorCode =
  /** The file does not parse (a syntax error, or a syntax the extension does not allow). */
  | "CACHEPHANT_PARSE"
  /** `"use cache"` on a function that is not `async`. */
  | "CACHEPHANT_NOT_ASYNC"
  /** `"use cache"` on a generator (`function*` or `async function*`). */
  | "CACHEPHANT_GENERATOR"
  /** The cached function reads `this`. */
  | "CACHEPHANT_USES_THIS"
  /** The cached function uses `super`. */
  | "CACHEPHANT_USES_SUPER"
  /** The cached function reads `arguments`. */
  | "CACHEPHANT_USES_ARGUMENTS"
  /** An unknown option, a bad or empty value, or a repeated option in `"use cache: ..."`. */
  | "CACHEPHANT_BAD_OPTION"
  /** `"use cache"` twice in one directive prologue. */
  | "CACHEPHANT_DUPLICATE_DIRECTIVE"
  /** A `"use cache"` string statement outside a directive prologue: it would do nothing. */
  | "CACHEPHANT_MISPLACED_DIRECTIVE";

/** Where a build error points. `line` is 1-based, `column` 0-based (like Babel, Rollup and esbuild). */
export interface ErrorLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * A `"use cache"` problem that must fail the build. The message reads
 * `file:line:column: what is wrong`, a code frame, and `Fix: what to do`
 * (the column in the message is 1-based, for editors and terminals).
 */
export class CachephantBuildError extends Error {
  override readonly name = "CachephantBuildError";
  readonly code: CachephantErrorCode;
  readonly loc: ErrorLocation;
  /** The code frame (no colors) pointing at the offending code. */
  readonly frame: string;
  /** What to do about it, one sentence. */
  readonly hint: string;
  /** What is wrong, one sentence, without location, frame or fix. */
  readonly reason: string;

  constructor(details: { code: CachephantErrorCode; reason: string; hint: string; loc: ErrorLocation; frame: string }) {
    const { code, reason, hint, loc, frame } = details;
    super(`${loc.file}:${loc.line}:${loc.column + 1}: ${reason}\n\n${frame}\n\nFix: ${hint}`);
    this.code = code;
    this.reason = reason;
    this.hint = hint;
    this.loc = loc;
    this.frame = frame;
  }
}
