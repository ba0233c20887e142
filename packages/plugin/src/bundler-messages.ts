/**
 * The core's build errors and warnings as each bundler shows them: positions
 * relative to the working directory, esbuild messages with their location.
 */
import { isAbsolute, relative } from "node:path";
import type { CachephantBuildError, CachephantWarning } from "@cachephant/core";
import type { PartialMessage } from "esbuild";

/** `file:line:column` with the file relative to the working directory when it is inside it (1-based column). */
export function positionOf(error: CachephantBuildError): string {
  const { file, line, column } = error.loc;
  return shownPosition(file, line, column);
}

function shownPosition(file: string, line: number, column: number): string {
  const shown =
    isAbsolute(file) && !relative(process.cwd(), file).startsWith("..") ? relative(process.cwd(), file) : file;
  return `${shown.split("\\").join("/")}:${line}:${column + 1}`;
}

/**
 * A build warning as build errors are shown: `file:line:column: what is
 * wrong. What to do.` with the file relative to the working directory, then
 * the code frame. (A warning remembered by an older build cache has only its
 * message.)
 */
export function warningText(warning: CachephantWarning): string {
  if (warning.text === undefined || warning.file === undefined || warning.frame === undefined) return warning.message;
  return `${shownPosition(warning.file, warning.line, warning.column)}: ${warning.text}\n\n${warning.frame}`;
}

/**
 * A build error as one message: `file:line:column: what is wrong [CODE]`,
 * the code frame and the fix.
 */
export function buildErrorText(error: CachephantBuildError): string {
  return `${positionOf(error)}: ${error.reason} [${error.code}]\n\n${error.frame}\n\nFix: ${error.hint}`;
}

/**
 * The error to hand to a bundler or loader that prints `error.stack`
 * (Rollup, Rolldown, Vite, webpack, Node's module loader): the message with
 * no stack frames (they would be the plugin's, not the user's code) and the
 * `code`, so nothing is printed twice. Rollup-like bundlers move `code` to
 * `pluginCode`. webpack and Rspack print the message and, when there is one,
 * the stack again: theirs has none.
 */
export function buildErrorWithoutStack(
  error: CachephantBuildError,
  host: "rollup" | "webpack" | "node" = "rollup",
): Error {
  const text = buildErrorText(error);
  const plain = Object.assign(new Error(text), { code: error.code });
  plain.name = error.name;
  plain.stack = host === "webpack" ? undefined : `${error.name}: ${text}`;
  return plain;
}

/**
 * For esbuild: a one-line text (esbuild repeats it in the error a failed
 * `build()` rejects with), the code frame and the fix as notes printed once,
 * and the error itself (with its `code`) as `detail`.
 */
export function esbuildMessage(error: CachephantBuildError): PartialMessage {
  return {
    text: `${positionOf(error)}: ${error.reason} [${error.code}]`,
    location: null,
    notes: [{ text: error.frame }, { text: `Fix: ${error.hint}` }],
    detail: error,
  };
}
