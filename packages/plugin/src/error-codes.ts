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
