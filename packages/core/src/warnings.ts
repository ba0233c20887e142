/**
 * Build warnings: things that do not fail the build but must not pass
 * silently. `transform()` returns them; the plugin hands each to the
 * bundler's `this.warn`.
 */

/** One build warning. `line` is 1-based, `column` 0-based (like build errors). */
export interface CachephantWarning {
  /** Stable code to match on, e.g. `CACHEPHANT_NEAR_MISS_DIRECTIVE`. */
  code: string;
  /** `file:line:column: what is wrong. What to do.` (the column in the text is 1-based). */
  message: string;
  line: number;
  column: number;
}

/** Collects the warnings of one file. */
export class WarningCollector {
  readonly warnings: CachephantWarning[] = [];

  constructor(private readonly file: string) {}

  add(code: string, at: { line: number; column: number }, text: string): void {
    this.warnings.push({ code, message: `${this.file}:${at.line}:${at.column + 1}: ${text}`, line: at.line, column: at.column });
  }
}
