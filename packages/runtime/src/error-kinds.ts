/**
 * Tells the failures a catch expects (a file missing or unreadable, text that
 * is not JSON, a string that is not a URL, a source the core cannot read) from
 * bugs, which a catch rethrows so they stay loud.
 */

/** Node's codes for a failed system call: ENOENT, EACCES, EISDIR, EMFILE… (not ERR_*, which mark bad arguments). */
const SYSTEM_CODE = /^E[A-Z0-9]+$/;

/** An error Node raises for a failed system call, not a bug in the code around it. By shape: it may come from another realm. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof error === "object" && typeof code === "string" && SYSTEM_CODE.test(code);
}

/** `JSON.parse`'s error for text that is not JSON. */
export function isJsonError(error: unknown): boolean {
  return error instanceof SyntaxError;
}

/** `new URL`'s error for a string that is not a URL. */
export function isUrlError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ERR_INVALID_URL";
}

/** An error of Cachephant's own, by its stable `CACHEPHANT_` code (the core's errors reach the runtime through an optional import). */
export function isCachephantError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("CACHEPHANT_");
}
