/**
 * Tells the failures a catch expects (a file missing or unreadable, text that
 * is not JSON, a string that is not a URL, an error of Cachephant's own) from
 * bugs, which a catch rethrows so they stay loud (as cacache checks `err.code`).
 */

/** Node's codes for a failed system call: ENOENT, EACCES, EISDIR, EMFILE… (not ERR_*, which mark bad arguments). */
const SYSTEM_CODE = /^E[A-Z0-9]+$/;

/** An error Node raises for a failed system call, not a bug in the code around it. By shape: it may come from another realm. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof error === "object" && typeof code === "string" && SYSTEM_CODE.test(code);
}

/** Whether a thrown value carries one of these codes. */
export function hasErrorCode(error: unknown, codes: readonly string[]): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && codes.includes(code);
}

/** A path that is not there, or whose folder is not. */
export const ABSENT: readonly string[] = ["ENOENT", "ENOTDIR"];

/** `JSON.parse`'s error for text that is not JSON. */
export function isJsonError(error: unknown): boolean {
  return error instanceof SyntaxError;
}

/** `JSON.parse`, with undefined for text that is not JSON (no JSON text parses to undefined). */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!isJsonError(error)) throw error;
    return undefined;
  }
}

/** `new URL`'s error for a string that is not a URL. */
export function isUrlError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ERR_INVALID_URL";
}

/** An error of Cachephant's own, by its stable `CACHEPHANT_` code (whichever copy of a package threw it). */
export function isCachephantError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("CACHEPHANT_");
}
