import { codeFrameColumns } from "@babel/code-frame";
import { CachephantBuildError, type CachephantErrorCode } from "./build-error.js";

/** A line/column position as Babel reports it (1-based line, 0-based column). */
export interface Position {
  line: number;
  column: number;
}

/** The span an error highlights in its code frame; `end` is left out for multi-line nodes. */
export interface Span {
  start: Position;
  end?: Position | undefined;
}

/** Makes build errors for one file: it knows the source for the code frames. */
export class ErrorReporter {
  constructor(
    private readonly code: string,
    private readonly file: string,
    /**
     * Where `code` starts in `file` when it is a piece of it (a function's
     * source text given to `cached()`): its 1-based line and 0-based column,
     * and how many characters before it were added to `code` on its first
     * line (a wrapping parenthesis). Locations are reported in the file.
     */
    private readonly origin?: { line: number; column: number; added: number },
  ) {}

  error(code: CachephantErrorCode, at: Span, reason: string, hint: string): CachephantBuildError {
    // codeFrameColumns wants 1-based columns.
    const frame = codeFrameColumns(
      this.code,
      {
        start: { line: at.start.line, column: at.start.column + 1 },
        ...(at.end ? { end: { line: at.end.line, column: at.end.column + 1 } } : {}),
      },
      { highlightCode: false },
    );
    return new CachephantBuildError({
      code,
      reason,
      hint,
      frame,
      loc: this.inFile(at.start),
    });
  }

  private inFile(at: Position): { file: string; line: number; column: number } {
    const origin = this.origin;
    if (origin === undefined) return { file: this.file, line: at.line, column: at.column };
    const column = at.line === 1 ? origin.column + Math.max(0, at.column - origin.added) : at.column;
    return { file: this.file, line: origin.line + at.line - 1, column };
  }
}

/** The span of a parsed node: the whole node when it fits on one line, else its first position. */
export function spanOf(node: { loc?: { start: Position; end: Position } | null | undefined }): Span {
  const loc = node.loc;
  if (!loc) return { start: { line: 1, column: 0 } };
  return loc.start.line === loc.end.line ? { start: loc.start, end: loc.end } : { start: loc.start };
}
