/**
 * Whether a thrown value is a system error with one of these codes (as
 * cacache checks `err.code`): a catch handles what it expects and rethrows
 * the rest, so an internal bug is never taken for a missing file.
 */
export function hasErrorCode(error: unknown, codes: readonly string[]): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && codes.includes(code);
}

/** A path that is not there, or whose folder is not. */
export const ABSENT = ["ENOENT", "ENOTDIR"] as const;

/**
 * A failed system call (Node sets `syscall` on those): what the plugin's
 * best-effort file work (the build cache, the scan) may shrug off. Anything
 * else thrown there is a bug and is rethrown.
 */
export function isSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as { syscall?: unknown }).syscall === "string";
}
