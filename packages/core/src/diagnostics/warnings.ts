/**
 * Build warnings: things that do not fail the build but must not pass
 * silently. `transform()` returns them; the plugin hands each to the
 * bundler's `this.warn`, with the file shown as build errors show it and the
 * code frame under it.
 */
import { codeFrameColumns } from "@babel/code-frame";

/** One build warning. `line` is 1-based, `column` 0-based (like build errors). */
export interface CachephantWarning {
  /** Stable code to match on, e.g. `CACHEPHANT_NEAR_MISS_DIRECTIVE`. */
  code: string;
  /** `file:line:column: what is wrong. What to do.` (the column in the text is 1-based). */
  message: string;
  line: number;
  column: number;
  /** What is wrong and what to do, without the place (warnings about the module itself). */
  text?: string;
  /** The file as the build named it (absolute). */
  file?: string;
  /** The lines around the place, as build errors show them. */
  frame?: string;
}

/** Collects the warnings of one file. */
export class WarningCollector {
  readonly warnings: CachephantWarning[] = [];

  constructor(
    private readonly file: string,
    private readonly source: string,
  ) {}

  add(code: string, at: { line: number; column: number }, text: string): void {
    const frame = codeFrameColumns(
      this.source,
      { start: { line: at.line, column: at.column + 1 } },
      { highlightCode: false },
    );
    const { file } = this;
    this.warnings.push({
      code,
      message: `${file}:${at.line}:${at.column + 1}: ${text}`,
      text,
      file,
      line: at.line,
      column: at.column,
      frame,
    });
  }
}
