import { statSync } from "node:fs";
import { isSystemError } from "@cachephant/core/scan";

/**
 * A file's `mtime:size` now, or null when it does not exist: how the plugin
 * tells a file unchanged without reading it (the scan, remembered results).
 */
export function signatureOf(file: string): string | null {
  try {
    const stat = statSync(file);
    return signatureFrom(stat.mtimeMs, stat.size);
  } catch (error) {
    // Absent, or a path this user cannot stat: as absent.
    if (!isSystemError(error)) throw error;
    return null;
  }
}

/** The same signature from a stat taken already. */
export function signatureFrom(mtimeMs: number, size: number): string {
  return `${mtimeMs}:${size}`;
}
