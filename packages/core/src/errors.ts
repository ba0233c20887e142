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
      loc: { file: this.file, line: at.start.line, column: at.start.column },
    });
  }
}

/** The span of a parsed node: the whole node when it fits on one line, else its first position. */
export function spanOf(node: { loc?: { start: Position; end: Position } | null | undefined }): Span {
  const loc = node.loc;
  if (!loc) return { start: { line: 1, column: 0 } };
  return loc.start.line === loc.end.line ? { start: loc.start, end: loc.end } : { start: loc.start };
}
